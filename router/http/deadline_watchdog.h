#pragma once
// Enforces a whole-call deadline on provider connections. cpp-httplib's read
// timeout bounds each read, so a provider that trickles one header line every
// 50 ms never trips it; the only way to stop such a call from outside is
// httplib::Client::stop(), which shuts the socket down from another thread.
// One thread per watchdog sleeps until the earliest armed deadline and stops
// the clients whose deadline has passed.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <set>
#include <mutex>
#include <thread>

namespace httplib {
class Client;
}

namespace keyward::http {

class DeadlineWatchdog {
 public:
  using SteadyClock = std::chrono::steady_clock;

  DeadlineWatchdog() = default;
  ~DeadlineWatchdog();
  DeadlineWatchdog(const DeadlineWatchdog&) = delete;
  DeadlineWatchdog& operator=(const DeadlineWatchdog&) = delete;

  // While armed, `client` is stopped once `deadline` passes. Every arm()
  // must be matched by disarm() before the client is used again or freed.
  uint64_t arm(httplib::Client* client, SteadyClock::time_point deadline);
  // After it returns, the watchdog no longer touches the client. True when
  // the deadline had already fired (the client was stopped).
  bool disarm(uint64_t token);

  size_t armed() const;
  uint64_t fired() const;

 private:
  void run();

  struct Entry {
    httplib::Client* client;
    uint64_t token;
  };
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<SteadyClock::time_point, Entry> by_deadline_;
  std::map<uint64_t, std::multimap<SteadyClock::time_point, Entry>::iterator> by_token_;
  std::set<uint64_t> fired_tokens_;  // fired but not yet disarmed (bounded by calls in flight)
  uint64_t next_token_ = 1;
  uint64_t fired_count_ = 0;
  // When the thread will next wake on its own: arming a later deadline needs
  // no wake-up, so the common case (same timeout, sequential calls) costs a
  // map insert and erase, not a futex round trip.
  SteadyClock::time_point wake_at_ = SteadyClock::time_point::max();
  bool stopping_ = false;
  std::thread thread_;  // started on the first arm()
};

}  // namespace keyward::http
