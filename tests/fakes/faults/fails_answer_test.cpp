// Each fault kind says whether an answer it hits is no usable answer, so the
// scenario checkers ask the fault instead of matching kind names.
#include <gtest/gtest.h>

#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {

bool fails(const nlohmann::json& spec) { return parse_fault(spec).fault->fails_answer(); }

TEST(FaultFailsAnswer, EveryKindSaysWhetherItsAnswerFails) {
  EXPECT_FALSE(fails({{"kind", "latency"}, {"latency_ms", 50}}));
  EXPECT_TRUE(fails({{"kind", "hang"}, {"hang_ms", 10}}));
  EXPECT_TRUE(fails({{"kind", "status"}, {"status", 503}}));
  EXPECT_TRUE(fails({{"kind", "status"}, {"status", 429}}));
  // An error envelope carries no completion even under a 2xx code.
  EXPECT_TRUE(fails({{"kind", "status"}, {"status", 200}}));
  EXPECT_TRUE(fails({{"kind", "connection_reset"}}));
  EXPECT_TRUE(fails({{"kind", "empty_response"}}));
  EXPECT_TRUE(fails({{"kind", "malformed_json"}}));
  EXPECT_TRUE(fails({{"kind", "truncated_body"}}));
  EXPECT_TRUE(fails({{"kind", "stream_stall"}}));
  EXPECT_TRUE(fails({{"kind", "stream_cut"}}));
}

TEST(FaultFailsAnswer, EveryRegisteredKindIsCovered) {
  // A kind added to the registry without a verdict would not compile (pure
  // virtual); this pins that each one can be built from its defaults.
  for (const auto& k : fault_kinds()) {
    nlohmann::json spec = {{"kind", k.name}};
    if (std::string(k.name) == "status") spec["status"] = 500;
    auto f = parse_fault(spec);
    ASSERT_TRUE(f.fault) << k.name;
    EXPECT_EQ(f.fault->fails_answer(), std::string(k.name) != "latency") << k.name;
  }
}

}  // namespace
}  // namespace keyward::fakes
