#pragma once
// Keep-alive connection pool: one httplib::Client per connection, reused per
// origin (scheme://host:port). A keep-alive round trip on loopback costs
// ~70 µs; a fresh TCP (or TLS) connection costs several times that, so the
// pool is what keeps failover through N keys near N round trips.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <httplib.h>

#include "router/http/deadline_watchdog.h"

namespace keyward::http {

// "https://api.groq.com/openai/v1" -> origin "https://api.groq.com:443", prefix "/openai/v1".
struct BaseUrl {
  std::string scheme;  // http | https
  std::string host;
  int port = 0;
  std::string prefix;  // path prefix without a trailing slash ("" for none)
  std::string origin() const { return scheme + "://" + host + ":" + std::to_string(port); }
};
// False on anything that is not http(s)://host[:port][/path].
bool parse_base_url(const std::string& url, BaseUrl* out);

struct ClientPoolOptions {
  bool tls_verify = true;                 // off only for tests against a self-signed fake
  size_t max_idle_per_origin = 32;        // connections kept beyond this are closed
  // Idle connections older than this are dropped instead of reused: a server
  // that closed its side meanwhile would turn the next call into a spurious
  // network failure. Below common server keep-alive timeouts (the fakes use 2 s).
  std::chrono::milliseconds max_idle{1500};
};

class ClientPool {
 public:
  explicit ClientPool(ClientPoolOptions options = {}) : options_(options) {}
  ClientPool(const ClientPool&) = delete;
  ClientPool& operator=(const ClientPool&) = delete;

  // A connection to `base`'s origin: an idle one when there is one, else new.
  // Timeouts are set per call by the caller.
  std::unique_ptr<httplib::Client> acquire(const BaseUrl& base);
  // Returns a connection after a clean exchange; after any error the caller
  // drops it instead (its socket state is unknown).
  void release(const BaseUrl& base, std::unique_ptr<httplib::Client> client);

  size_t idle_count() const;
  void clear();
  // Stops calls that outlive their whole-call deadline (see http_call).
  DeadlineWatchdog& watchdog() { return watchdog_; }

 private:
  struct Idle {
    std::unique_ptr<httplib::Client> client;
    std::chrono::steady_clock::time_point since;
  };
  ClientPoolOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_;
  DeadlineWatchdog watchdog_;  // last: joined before the connections are freed
};

}  // namespace keyward::http
