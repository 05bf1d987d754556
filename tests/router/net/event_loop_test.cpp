#include "router/net/event_loop.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace keyward::net {
namespace {

TEST(EventLoop, PostedWorkRunsOnTheLoopsOwnThreadAndKnowsItsLoop) {
  EventLoop loop(2);
  loop.start();
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::thread::id> threads;
  int done = 0;
  bool knew_loop = true;
  for (size_t i = 0; i < 2; ++i) {
    loop.post(i, [&, i] {
      std::lock_guard lock(mu);
      threads.insert(std::this_thread::get_id());
      knew_loop = knew_loop && loop.current() == &loop.context(i);
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done == 2; }));
  }
  loop.stop();
  EXPECT_EQ(threads.size(), 2u);
  EXPECT_FALSE(threads.count(std::this_thread::get_id()));
  EXPECT_TRUE(knew_loop);
  EXPECT_EQ(loop.current(), nullptr);
}

TEST(EventLoop, StopIsIdempotentAndTheLoopCanStartAgain) {
  EventLoop loop(1);
  loop.start();
  loop.stop();
  loop.stop();
  loop.start();
  std::mutex mu;
  std::condition_variable cv;
  bool ran = false;
  loop.post(0, [&] {
    std::lock_guard lock(mu);
    ran = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return ran; }));
}

}  // namespace
}  // namespace keyward::net
