// sd_notify from `keyward serve`: what reaches $NOTIFY_SOCKET, and the
// watchdog interval read from $WATCHDOG_USEC.
#include "router/main/systemd_notify.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "tests/router/main/notify_socket.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

class SystemdNotify : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sock.bound());
    ::setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }
  test::NotifySocket sock;
};

TEST_F(SystemdNotify, ReadyCarriesAOneLineStatus) {
  systemd::notify_ready("serving on http://127.0.0.1:5000\nsecond line");
  EXPECT_EQ(sock.next(5s), "READY=1\nSTATUS=serving on http://127.0.0.1:5000 second line");
}

TEST_F(SystemdNotify, ReloadingStoppingAndWatchdog) {
  systemd::notify_reloading();
  auto reloading = sock.next(5s);
  ASSERT_TRUE(reloading);
  EXPECT_EQ(reloading->rfind("RELOADING=1\n", 0), 0u) << *reloading;
  EXPECT_NE(reloading->find("\nMONOTONIC_USEC="), std::string::npos) << *reloading;
  systemd::notify_stopping();
  EXPECT_EQ(sock.next(5s), "STOPPING=1\nSTATUS=stopping");
  systemd::notify_watchdog();
  EXPECT_EQ(sock.next(5s), "WATCHDOG=1");
}

TEST_F(SystemdNotify, NothingIsSentWithoutNotifySocket) {
  ::unsetenv("NOTIFY_SOCKET");
  systemd::notify_ready("x");
  systemd::notify_watchdog();
  EXPECT_EQ(sock.next(0ms), std::nullopt);
}

TEST_F(SystemdNotify, WatchdogIntervalComesFromWatchdogUsec) {
  EXPECT_EQ(systemd::watchdog_interval(), std::nullopt) << "unset: no watchdog";
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(systemd::watchdog_interval(), Millis(30'000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(systemd::watchdog_interval(), Millis(30'000)) << "meant for this process";
  ::setenv("WATCHDOG_PID", "1", 1);
  EXPECT_EQ(systemd::watchdog_interval(), std::nullopt) << "meant for another process";
}

}  // namespace
}  // namespace keyward
