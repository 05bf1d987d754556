// The checker table: unique names, safety before liveness, each findable.
#include <set>

#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

TEST(Checkers, TheTableHasUniqueNamesSafetyFirst) {
  std::set<std::string> names;
  bool liveness_seen = false;
  for (const Checker* c : all_checkers()) {
    EXPECT_TRUE(names.insert(c->name()).second) << c->name();
    EXPECT_EQ(find_checker(c->name()), c);
    if (c->kind() == CheckerKind::liveness)
      liveness_seen = true;
    else
      EXPECT_FALSE(liveness_seen) << c->name() << " (safety) after a liveness checker";
  }
  EXPECT_EQ(find_checker("everything_fine"), nullptr);
  EXPECT_EQ(checker_names(CheckerKind::liveness), "recovers");
  EXPECT_EQ(checker_names(CheckerKind::safety),
            "no_call_to_quarantined_key|no_emergency_while_key_valid|one_alert_per_kind|one_incident_at_a_time|"
            "well_formed_responses|reports_serving_provider|no_secret_in_output");
}

TEST(Checkers, AnUnknownInvariantIsASchemaError) {
  try {
    scenario("name: x\nworld: {providers: []}\nexpect:\n  - invariant: everything_fine\n");
    FAIL() << "no schema error";
  } catch (const SchemaError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("inline.yaml:4: expect[0].invariant: unknown invariant 'everything_fine'", 0),
              0u)
        << e.what();
  }
}

}  // namespace
}  // namespace keyward::scenarios::testing
