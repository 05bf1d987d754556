// The whole-call deadline: armed calls are stopped once it passes, disarmed
// ones never are. (The end-to-end case, a provider trickling its headers, is
// in bad_input_matrix_test.cpp.)
#include "router/http/deadline_watchdog.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

namespace keyward::http::test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

TEST(DeadlineWatchdog, ADisarmedCallIsNeverStopped) {
  DeadlineWatchdog w;
  httplib::Client c("http://127.0.0.1:1");
  auto token = w.arm(&c, SteadyClock::now() + 1h);
  EXPECT_EQ(w.armed(), 1u);
  EXPECT_FALSE(w.disarm(token));
  EXPECT_EQ(w.armed(), 0u);
  EXPECT_EQ(w.fired(), 0u);
  EXPECT_FALSE(w.disarm(token)) << "a second disarm is a no-op";
}

TEST(DeadlineWatchdog, APassedDeadlineStopsTheCallAndDisarmSaysSo) {
  DeadlineWatchdog w;
  httplib::Client late("http://127.0.0.1:1"), later("http://127.0.0.1:1");
  auto keep = w.arm(&later, SteadyClock::now() + 1h);
  auto token = w.arm(&late, SteadyClock::now() - 1ms);
  // Waits for the event (the watchdog thread's pass), not for a duration.
  for (auto give_up = SteadyClock::now() + 10s; w.fired() == 0 && SteadyClock::now() < give_up;)
    std::this_thread::yield();
  EXPECT_EQ(w.fired(), 1u);
  EXPECT_TRUE(w.disarm(token));
  EXPECT_FALSE(w.disarm(keep)) << "the later deadline did not fire";
}

}  // namespace
}  // namespace keyward::http::test
