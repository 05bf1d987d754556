// Observers run after the pool's lock is released: an observer that is slow
// (an alert written to a slow disk) does not stop other requests from
// routing, and notifications still arrive in the order the pool saw them.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "router/core/chat_router.h"
#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

// Blocks inside the first key_quarantined notification until released.
class GateObserver final : public RouterObserver {
 public:
  void on_pool_event(const PoolEvent& e) override {
    std::unique_lock lock(mu_);
    kinds_.push_back(e.kind);
    if (e.kind != PoolEventKind::key_quarantined || held_) return;
    held_ = true;
    cv_.notify_all();
    cv_.wait_for(lock, 30s, [&] { return released_; });
  }
  bool wait_held() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 30s, [&] { return held_; });
  }
  void release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  std::vector<PoolEventKind> kinds() {
    std::lock_guard lock(mu_);
    return kinds_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false, released_ = false;
  std::vector<PoolEventKind> kinds_;
};

class AnswerTransport final : public BlockingTransport {
 public:
  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig& k, const ChatRequest&, Millis, ChatAnswer* answer,
                     StreamSink*) override {
    if (p.name == "groq" && k.index == 1) return test::groq_401();
    answer->content = "hi";
    return test::ok_200();
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return test::ok_200();
  }
};

TEST(ObserverOffLock, ASlowObserverDoesNotHoldThePool) {
  SimClock clock(test::at("2025-11-18T08:00:00Z"));
  GateObserver observer;
  ChatRouter router(test::founding_config(), clock, &observer);
  AnswerTransport transport;
  // Request A fails over from Groq key 1 (401) to key 2; its quarantine
  // notification blocks in the observer.
  std::thread a([&] { router.route(ChatRequest{{{"user", "a"}}, {}, {}, false, "req-a"}, transport); });
  ASSERT_TRUE(observer.wait_held());
  // Meanwhile the pool is free: a status snapshot and another request's
  // next step go through (the step produces no notification of its own).
  auto snap = router.snapshot();
  EXPECT_EQ(snap.keys[0][0].state, KeyState::quarantined);
  auto b = router.begin(ChatRequest{{{"user", "b"}}, {}, {}, false, "req-b"});
  RouteStep step = router.next(*b);
  EXPECT_EQ(step.kind, RouteStep::Kind::call);
  EXPECT_EQ(step.key.index, 2) << "the quarantine is already in the pool";
  observer.release();
  b.reset();  // abandons its call: A may be waiting behind it for key 2
  a.join();
  auto kinds = observer.kinds();
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds[0], PoolEventKind::attempt_failed);
  EXPECT_EQ(kinds[1], PoolEventKind::key_quarantined);
}

}  // namespace
}  // namespace keyward
