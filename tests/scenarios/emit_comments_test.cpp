// The emitter writes a scenario's comments and its checker opt-outs; what it
// writes loads back to the same scenario (comments are not read back).
#include <gtest/gtest.h>

#include "scenarios/emit.h"

namespace keyward::scenarios {
namespace {

const char* kScenario = R"(
name: commented
world:
  providers:
    - {name: groq, kind: groq, keys: {gsk-commented-key-0001: valid}}
  sinks: {smtp: {}}
router:
  env: "GROQ_API_KEY_1=gsk-commented-key-0001\n"
timeline:
  - {at: 1s, id: ask, request: {message: hi, repeat: 3, every: 1s}}
expect:
  - invariant: recovers
checkers:
  skip:
    one_alert_per_kind: "the test sends one subject twice: it says so"
)";

TEST(EmitComments, CommentsAndOptOutsAreWrittenAndTheTextLoadsTheSame) {
  Scenario s = parse_scenario(kScenario, "in.yaml");
  s.header_comment = {"Written by a test.", "", "Second paragraph\nwith a line break."};
  s.comments["world.providers[0].keys.gsk-commented-key-0001"] = "groq key 1";
  s.comments["world.sinks"] = "to count alerts";
  s.comments["router.env"] = "the stand-ins";
  s.comments["router.validate_on_start"] = "the journal starts with validations";
  s.comments["expect"] = "what any incident must show";
  s.timeline[0].comment = "3x recorded: 200 provider groq";
  s.expectations[0].comment = "served again once the providers came back";
  std::string text = emit_scenario(s);
  for (const char* want :
       {"# Written by a test.\n#\n# Second paragraph with a line break.\nname: commented\n",
        "gsk-commented-key-0001: valid    # groq key 1\n", "  sinks:    # to count alerts\n",
        "  env: |    # the stand-ins\n    GROQ_API_KEY_1=gsk-commented-key-0001\n",
        "  validate_on_start: true    # the journal starts with validations\n",
        "request: {message: hi, repeat: 3, every: 1s}}    # 3x recorded: 200 provider groq\n",
        "expect:    # what any incident must show\n",
        "  - {invariant: recovers}    # served again once the providers came back\n",
        "checkers:\n  skip:\n    one_alert_per_kind: \"the test sends one subject twice: it says so\"\n"})
    EXPECT_NE(text.find(want), std::string::npos) << want << "\n---\n" << text;
  Scenario again = parse_scenario(text, "out.yaml");
  ASSERT_EQ(again.checker_opt_outs.size(), 1u);
  EXPECT_EQ(again.checker_opt_outs[0].reason, s.checker_opt_outs[0].reason);
  EXPECT_EQ(again.timeline.size(), 3u);
  EXPECT_EQ(again.env, s.env);
  // Without the comments the text is what the scenario alone gives.
  Scenario plain = parse_scenario(kScenario, "in.yaml");
  EXPECT_EQ(emit_scenario(again), emit_scenario(plain));
}

TEST(EmitComments, AQuotedEnvKeepsItsCommentAfterTheScalar) {
  // No final line break: a literal block would add one, so the text is quoted.
  Scenario s = parse_scenario("name: x\nworld: {providers: []}\nrouter:\n  env: \"A=1\\nB=2\"\n", "in.yaml");
  s.comments["router.env"] = "two lines";
  std::string text = emit_scenario(s);
  EXPECT_NE(text.find("  env: \"A=1\\nB=2\"    # two lines\n"), std::string::npos) << text;
  EXPECT_EQ(parse_scenario(text, "out.yaml").env, "A=1\nB=2");
}

}  // namespace
}  // namespace keyward::scenarios
