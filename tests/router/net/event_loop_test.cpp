#include "router/net/event_loop.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
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

TEST(EventLoop, ItsExecutorRunsTimersOnTheLoopAndAReleasedTimerNever) {
  EventLoop loop(1);
  loop.start();
  std::promise<std::pair<bool, bool>> result;  // (released timer ran, sentinel on the loop)
  auto released_ran = std::make_shared<bool>(false);
  std::shared_ptr<void> sentinel;
  loop.post(0, [&] {
    Executor& ex = loop.executor(0);
    EXPECT_EQ(loop.current_executor(), &ex);
    // Released on the loop: cancelled at once, so it cannot run, although it
    // expired before the sentinel.
    auto released = ex.after(std::chrono::milliseconds(0), [released_ran] { *released_ran = true; });
    released.reset();
    sentinel = ex.after(std::chrono::milliseconds(1), [&, released_ran] {
      result.set_value({*released_ran, loop.current() == &loop.context(0)});
    });
  });
  auto f = result.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto [ran, on_loop] = f.get();
  EXPECT_FALSE(ran);
  EXPECT_TRUE(on_loop);
  EXPECT_EQ(loop.current_executor(), nullptr);
  loop.stop();
}

}  // namespace
}  // namespace keyward::net
