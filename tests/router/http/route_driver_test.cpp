// The asynchronous route driver on a manual executor and a transport whose
// calls complete only when the test says so: no threads, no sockets.
#include "router/http/route_driver.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "tests/router/core/fixtures.h"
#include "tests/router/net/manual_executor.h"

namespace keyward::http {
namespace {

using namespace std::chrono_literals;

using test::ManualExecutor;

// Calls stay pending until answer() completes the oldest one.
class PendingTransport final : public ProviderTransport {
 public:
  struct Call {
    std::string provider;
    int key;
    ChatDone done;
  };
  std::deque<Call> pending;
  std::vector<std::pair<std::string, int>> made;

  void chat(const ProviderConfig& p, const KeyConfig& k, const ChatRequest&, Millis, StreamSink*,
            ChatDone done) override {
    made.push_back({p.name, k.index});
    pending.push_back({p.name, k.index, std::move(done)});
  }
  void list_models(const ProviderConfig&, const KeyConfig&, Millis, ModelsDone done) override {
    done(test::ok_200(), {});
  }
  void answer(AttemptResult r) {
    Call c = std::move(pending.front());
    pending.pop_front();
    ChatAnswer a;
    if (r.status == 200) a.content = "hello from " + c.provider;
    c.done(std::move(r), std::move(a));
  }
};

ChatRequest ask(const std::string& id) {
  ChatRequest r{{{"user", "Help me fix this bug"}}, {}, {}, false, id};
  return r;
}

struct DriverTest : ::testing::Test {
  SimClock clock{test::at("2025-11-18T08:00:15Z")};
  ChatRouter router{test::founding_config(), clock, nullptr};
  ManualExecutor executor;
  PendingTransport transport;
  std::map<std::string, RouteOutcome> done;

  void start(const std::string& id) {
    route_async(router, transport, executor, ask(id), nullptr,
                [this, id](RouteOutcome out) { done[id] = std::move(out); });
  }
};

TEST_F(DriverTest, AParkedRequestResumesWhenTheProbeAnswers) {
  start("a");
  start("b");
  executor.run_ready();
  ASSERT_EQ(transport.pending.size(), 1u) << "b waits for a's probe of Groq key 1";
  EXPECT_EQ(router.waiting(), 1u);
  EXPECT_EQ(executor.live_timers(), 1u);
  transport.answer(test::ok_200());
  executor.run_ready();
  // a is answered; b woke up and uses the now proven key.
  ASSERT_TRUE(done.count("a"));
  EXPECT_EQ(done["a"].kind, RouteOutcome::Kind::provider);
  ASSERT_EQ(transport.pending.size(), 1u);
  transport.answer(test::ok_200());
  executor.run_ready();
  ASSERT_TRUE(done.count("b"));
  EXPECT_EQ(done["b"].provider, "groq");
  EXPECT_EQ(done["b"].key_index, 1);
  EXPECT_EQ(transport.made, (std::vector<std::pair<std::string, int>>{{"groq", 1}, {"groq", 1}}));
  executor.advance(1h);  // b's wait timer was released: nothing fires
  EXPECT_EQ(done.size(), 2u);
}

TEST_F(DriverTest, AWaitThatRunsOutMovesOnWithoutThePendingKey) {
  start("a");
  start("b");
  executor.run_ready();
  executor.advance(9s);
  EXPECT_EQ(transport.pending.size(), 1u) << "still waiting";
  executor.advance(1s);  // the wait is as long as a call may take (10 s)
  ASSERT_EQ(transport.pending.size(), 2u);
  EXPECT_EQ(transport.made.back(), (std::pair<std::string, int>{"groq", 2})) << "b passed over the key being probed";
  EXPECT_EQ(router.waiting(), 0u);
}

TEST_F(DriverTest, TheHerdCallsEachDeadKeyOnceAndEveryRequestGetsTheVerdict) {
  for (int i = 0; i < 50; ++i) start("r" + std::to_string(i));
  executor.run_ready();
  while (!transport.pending.empty()) {
    const auto& c = transport.pending.front();
    transport.answer(c.provider == "gemini" ? test::gemini_400_invalid() : test::groq_401());
    executor.run_ready();
  }
  EXPECT_EQ(transport.made.size(), 6u);
  ASSERT_EQ(done.size(), 50u);
  for (const auto& [id, out] : done) {
    EXPECT_EQ(out.kind, RouteOutcome::Kind::emergency) << id;
    EXPECT_EQ(out.verdict.cause, EmergencyCause::all_authentication_failed) << id;
  }
}

}  // namespace
}  // namespace keyward::http
