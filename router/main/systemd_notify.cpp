#include "router/main/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <ctime>

namespace keyward::systemd {

namespace {

// sd_notify returns 0 when $NOTIFY_SOCKET is unset and a negative errno when
// the datagram cannot be sent; neither stops the router (systemd notices a
// missing READY=1 or WATCHDOG=1 on its own, by its timeouts).
void send(const std::string& state) { (void)sd_notify(0, state.c_str()); }

uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  return s;
}

}  // namespace

void notify_ready(const std::string& status) { send("READY=1\nSTATUS=" + one_line(status)); }

void notify_reloading() {
  send("RELOADING=1\nSTATUS=reloading .env and configuration\nMONOTONIC_USEC=" + std::to_string(monotonic_usec()));
}

void notify_stopping() { send("STOPPING=1\nSTATUS=stopping"); }

void notify_watchdog() { send("WATCHDOG=1"); }

std::optional<Millis> watchdog_interval() {
  uint64_t usec = 0;
  // > 0 only when $WATCHDOG_USEC is set (and $WATCHDOG_PID, if set, is ours).
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::duration_cast<Millis>(std::chrono::microseconds(usec));
}

}  // namespace keyward::systemd
