// Many requests at once through the ChatRouter's step API, on a simulated
// event loop: calls complete in the order they were made, parked requests
// resume when woken. No threads, no sockets.
#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "router/core/chat_router.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

struct Loop;

struct QueueWaker final : RouteWaker {
  Loop* loop;
  RouteSession* session;
  QueueWaker(Loop* l, RouteSession* s) : loop(l), session(s) {}
  void wake() override;
};

// Runs sessions like an event loop would: `runnable` sessions take their next
// step; calls go in flight and complete one at a time, in order.
struct Loop {
  using Answer = std::function<AttemptResult(const ProviderConfig&, const KeyConfig&)>;
  Loop(ChatRouter& r, Answer a) : router(r), answer(std::move(a)) {}
  ChatRouter& router;
  Answer answer;
  std::vector<std::unique_ptr<RouteSession>> sessions;
  // The router holds a session's waker weakly (a driver's task is usually
  // both): the owner keeps it.
  std::vector<std::shared_ptr<QueueWaker>> wakers;
  std::deque<RouteSession*> runnable;
  struct Call {
    RouteSession* session;
    RouteStep step;
  };
  std::deque<Call> in_flight;
  std::map<std::pair<std::string, int>, int> calls;

  void add(const std::string& message) {
    ChatRequest r{{{"user", message}}, {}, {}, false, ""};
    r.request_id = "req-" + std::to_string(sessions.size() + 1);
    // The waker needs the session's address: begin, then hand it over.
    auto waker = std::make_shared<QueueWaker>(this, nullptr);
    sessions.push_back(router.begin(r, waker));
    waker->session = sessions.back().get();
    wakers.push_back(waker);
    runnable.push_back(sessions.back().get());
  }

  void step(RouteSession* s) {
    RouteStep st = router.next(*s);
    if (st.kind == RouteStep::Kind::call) {
      calls[{st.provider.name, st.key.index}]++;
      in_flight.push_back({s, st});
    }
  }

  void run() {
    for (int guard = 0; guard < 100'000; ++guard) {
      if (!runnable.empty()) {
        // Every request the loop has read goes out before any answer is read.
        while (!runnable.empty()) {
          RouteSession* s = runnable.front();
          runnable.pop_front();
          step(s);
        }
      } else if (!in_flight.empty()) {
        Call c = in_flight.front();
        in_flight.pop_front();
        ChatAnswer hi;
        hi.content = "hi";
        router.complete(*c.session, answer(c.step.provider, c.step.key), hi);
        runnable.push_back(c.session);
      } else {
        return;
      }
    }
    FAIL() << "the loop did not settle";
  }
};

void QueueWaker::wake() {
  if (session) loop->runnable.push_back(session);
}

AttemptResult auth_failure_for(const ProviderConfig& p) {
  if (p.name == "gemini") return test::gemini_400_invalid();
  if (p.name == "mistral") return test::mistral_401();
  return test::groq_401();
}

TEST(Herd, TwoHundredRequestsAtOnceCallEachDeadKeyOnce) {
  SimClock clock(test::at("2025-11-18T08:00:15Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  Loop loop(router, [](const ProviderConfig& p, const KeyConfig&) { return auth_failure_for(p); });
  for (int i = 0; i < 200; ++i) loop.add("Help me fix this bug");
  loop.run();
  std::map<std::pair<std::string, int>, int> once{{{"groq", 1}, 1},   {{"groq", 2}, 1},   {{"groq", 3}, 1},
                                                   {{"gemini", 1}, 1}, {{"gemini", 2}, 1}, {{"mistral", 1}, 1}};
  EXPECT_EQ(loop.calls, once);
  for (const auto& s : loop.sessions) {
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->outcome().kind, RouteOutcome::Kind::emergency);
    EXPECT_EQ(s->outcome().verdict.cause, EmergencyCause::all_authentication_failed);
  }
  EXPECT_EQ(router.waiting(), 0u);
}

TEST(Herd, RequestsWaitingBehindAProbeUseTheKeyOnceItAnswers) {
  SimClock clock(test::at("2025-11-18T08:00:15Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  Loop loop(router, [](const ProviderConfig& p, const KeyConfig& k) {
              return p.name == "groq" && k.index == 3 ? test::ok_200() : auth_failure_for(p);
            });
  for (int i = 0; i < 200; ++i) loop.add("question " + std::to_string(i));
  loop.run();
  EXPECT_EQ((loop.calls[{"groq", 1}]), 1);
  EXPECT_EQ((loop.calls[{"groq", 2}]), 1);
  EXPECT_EQ((loop.calls[{"groq", 3}]), 200) << "once proven, every request uses it";
  EXPECT_EQ(loop.calls.count({"gemini", 1}), 0u) << "nobody spilled to a lower priority while Groq was probed";
  for (const auto& s : loop.sessions) EXPECT_EQ(s->outcome().kind, RouteOutcome::Kind::provider);
}

TEST(Herd, AWaitThatRunsOutPassesOverTheProbedKey) {
  SimClock clock(test::at("2025-11-18T08:00:15Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  auto a = router.begin(ChatRequest{{{"user", "a"}}, {}, {}, false, ""});
  auto b = router.begin(ChatRequest{{{"user", "b"}}, {}, {}, false, ""});
  RouteStep probe = router.next(*a);
  ASSERT_EQ(probe.kind, RouteStep::Kind::call);
  RouteStep wait = router.next(*b);
  ASSERT_EQ(wait.kind, RouteStep::Kind::wait);
  EXPECT_EQ(wait.timeout, 10s) << "as long as the probe itself may take";
  EXPECT_EQ(router.waiting(), 1u);
  router.give_up_waiting(*b);
  EXPECT_EQ(router.waiting(), 0u);
  RouteStep next = router.next(*b);
  ASSERT_EQ(next.kind, RouteStep::Kind::call);
  EXPECT_EQ(next.key.index, 2);
}

TEST(Herd, AnAbandonedCallFreesTheKeyForTheNextProbe) {
  SimClock clock(test::at("2025-11-18T08:00:15Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  auto a = router.begin(ChatRequest{{{"user", "a"}}, {}, {}, false, ""});
  ASSERT_EQ(router.next(*a).kind, RouteStep::Kind::call);
  auto b = router.begin(ChatRequest{{{"user", "b"}}, {}, {}, false, ""});
  ASSERT_EQ(router.next(*b).kind, RouteStep::Kind::wait);
  a.reset();  // the driver gave up on request a mid-call
  RouteStep next = router.next(*b);
  ASSERT_EQ(next.kind, RouteStep::Kind::call);
  EXPECT_EQ(next.key.index, 1);
}

}  // namespace
}  // namespace keyward
