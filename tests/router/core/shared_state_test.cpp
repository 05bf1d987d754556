// What replicas share about keys: a join of facts, whatever the order.
#include "router/core/shared_state.h"

#include <gtest/gtest.h>

#include "base/random.h"
#include "router/core/key_pool.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;
const WallTime kT0 = test::at("2025-11-18T08:00:00Z");

SharedKeyState random_state(Random& r) {
  auto t = [&] { return kT0 + Millis(static_cast<int64_t>(r.below(600'000))); };
  auto fact = [&] {
    WallTime since = t();
    return OutFact{since, since + Millis(static_cast<int64_t>(r.below(3'600'000)))};
  };
  SharedKeyState s;
  s.quarantined = fact();
  s.exhausted = fact();
  s.rate_limited = fact();
  s.strikes = static_cast<int>(r.below(5));
  s.last_success = t();
  s.validated_at = t();
  return s;
}

// The fields that decide behaviour (the display text follows the newest episode).
bool same_facts(const SharedKeyState& a, const SharedKeyState& b) {
  return a.quarantined == b.quarantined && a.exhausted == b.exhausted && a.rate_limited == b.rate_limited &&
         a.strikes == b.strikes && a.last_success == b.last_success && a.validated_at == b.validated_at;
}

TEST(SharedKeyState, MergeIsCommutativeAssociativeAndIdempotent) {
  Random r(7);
  for (int i = 0; i < 500; ++i) {
    SharedKeyState a = random_state(r), b = random_state(r), c = random_state(r);
    SharedKeyState ab = a, ba = b;
    ab.merge(b);
    ba.merge(a);
    EXPECT_TRUE(same_facts(ab, ba));
    SharedKeyState ab_c = ab, a_bc = a, bc = b;
    ab_c.merge(c);
    bc.merge(c);
    a_bc.merge(bc);
    EXPECT_TRUE(same_facts(ab_c, a_bc));
    SharedKeyState again = ab;
    EXPECT_FALSE(again.merge(ab)) << "merging what is known changes nothing";
  }
}

TEST(SharedKeyState, AMergeNeverShortensADeadlineNorForgetsAStrike) {
  SharedKeyState a;
  a.quarantined = {kT0, kT0 + 10min};
  a.strikes = 2;
  SharedKeyState later_but_shorter;
  later_but_shorter.quarantined = {kT0 + 1min, kT0 + 6min};
  later_but_shorter.strikes = 1;
  a.merge(later_but_shorter);
  EXPECT_EQ(a.quarantined.until, kT0 + 10min);
  EXPECT_EQ(a.strikes, 2);
  ASSERT_TRUE(a.out_at(kT0 + 7min));
  EXPECT_EQ(a.out_at(kT0 + 7min)->second, kT0 + 10min);
}

TEST(SharedKeyState, ASuccessNewerThanTheFailureEndsIt) {
  SharedKeyState a;
  a.quarantined = {kT0, kT0 + 5min};
  EXPECT_TRUE(a.out_at(kT0 + 1min));
  a.last_success = kT0 + 2min;
  EXPECT_FALSE(a.out_at(kT0 + 3min));
  EXPECT_FALSE(a.out_at(kT0 + 6min));
}

TEST(SharedKeyState, JsonRoundTripAndMalformedDocuments) {
  Random r(3);
  SharedKeyState a = random_state(r);
  a.last_class = ErrorClass::auth;
  a.last_status = 401;
  a.last_error = "Invalid API Key";
  auto back = SharedKeyState::from_json(a.to_json());
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);
  EXPECT_FALSE(SharedKeyState::from_json(nlohmann::json::parse(R"({"q":[1],"x":[0,0],"r":[0,0]})")));
  EXPECT_FALSE(SharedKeyState::from_json(nlohmann::json::array()));
}

TEST(KeyPoolSharing, AQuarantineLearntFromAnotherReplicaKeepsTheKeyOut) {
  KeyPool pool(test::founding_config());
  pool.record({0, 0}, classify(test::ok_200(), kT0), 200, kT0);
  pool.record({0, 1}, classify(test::ok_200(), kT0), 200, kT0);
  pool.take_events();
  SharedKeyState remote;
  remote.quarantined = {kT0 + 1s, kT0 + 1s + 5min};
  remote.strikes = 1;
  remote.last_class = ErrorClass::auth;
  remote.last_status = 401;
  remote.last_error = "Invalid API Key";
  pool.merge_shared({0, 0}, remote, kT0 + 2s);
  EXPECT_FALSE(pool.key_usable({0, 0}, kT0 + 2s));
  EXPECT_EQ(pool.key({0, 0}).until, kT0 + 1s + 5min) << "the absolute deadline, not 5 min from now";
  EXPECT_TRUE(pool.uncertain({0, 1}, kT0 + 2s)) << "the herd rule holds across replicas";
  auto events = pool.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PoolEventKind::key_quarantined);
  EXPECT_TRUE(events[0].remote);
  EXPECT_EQ(events[0].message, "Invalid API Key");
  // The same facts again: nothing new, no event.
  pool.merge_shared({0, 0}, remote, kT0 + 3s);
  EXPECT_TRUE(pool.take_events().empty());
}

TEST(KeyPoolSharing, ALocalQuarantineIsNotShortenedByAnOlderRemoteOne) {
  KeyPool pool(test::founding_config());
  WallTime t = kT0 + 1min;
  pool.record({0, 0}, classify(test::groq_401(), t), 401, t);
  WallTime until = pool.key({0, 0}).until;
  SharedKeyState old;
  old.quarantined = {kT0, kT0 + 5min};
  pool.merge_shared({0, 0}, old, t + 1s);
  EXPECT_EQ(pool.key({0, 0}).until, until);
  EXPECT_EQ(pool.key({0, 0}).shared.quarantined.since, t) << "the newest episode is kept";
}

TEST(KeyPoolSharing, ASuccessElsewhereAfterTheFailureRecoversTheKey) {
  KeyPool pool(test::founding_config());
  pool.record({0, 0}, classify(test::groq_401(), kT0), 401, kT0);
  pool.take_events();
  SharedKeyState remote = pool.key({0, 0}).shared;
  remote.last_success = kT0 + 30s;  // another replica's validation after the operator fixed it
  remote.validated_at = kT0 + 30s;
  pool.merge_shared({0, 0}, remote, kT0 + 31s);
  EXPECT_TRUE(pool.key_usable({0, 0}, kT0 + 31s));
  EXPECT_FALSE(pool.uncertain({0, 0}, kT0 + 31s));
  auto events = pool.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PoolEventKind::key_recovered);
  EXPECT_TRUE(events[0].remote);
}

TEST(KeyPoolSharing, AnEjectionLearntFromAnotherReplica) {
  KeyPool pool(test::founding_config());
  SharedProviderState remote;
  remote.ejected = {kT0, kT0 + 30s};
  remote.ejections = 1;
  pool.merge_shared_provider(0, remote, kT0 + 1s);
  EXPECT_FALSE(pool.provider_usable(0, kT0 + 29s));
  EXPECT_TRUE(pool.provider_usable(0, kT0 + 30s));
  auto events = pool.take_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PoolEventKind::provider_ejected);
  EXPECT_TRUE(events[0].remote);
}

}  // namespace
}  // namespace keyward
