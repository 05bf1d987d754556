#pragma once
// `keyward serve` under systemd (Type=notify, router/main/package/keyward.service):
// the service manager learns when start-up key validation is done, when a
// reload begins and ends, when the service stops, and that the event loops
// are alive (the watchdog). Each call sends one datagram to $NOTIFY_SOCKET
// through libsystemd's sd_notify, and does nothing when that variable is
// unset (started by hand, in tests, in a container without systemd).
// Kept out of router/core, which is pure logic.
#include <optional>
#include <string>

#include "base/clock.h"

namespace keyward::systemd {

// "READY=1" with a one-line STATUS= (shown by `systemctl status`).
void notify_ready(const std::string& status);
// "RELOADING=1" (with MONOTONIC_USEC=, which newer systemd versions ask for):
// a SIGHUP reload is under way; notify_ready() ends it.
void notify_reloading();
// "STOPPING=1": a graceful stop began.
void notify_stopping();
// "WATCHDOG=1": the event loops answered (router/main/loop_watchdog.h).
void notify_watchdog();

// The watchdog interval systemd expects keep-alives within (WatchdogSec=, as
// $WATCHDOG_USEC for this process), or nullopt when no watchdog is asked for.
std::optional<Millis> watchdog_interval();

}  // namespace keyward::systemd
