#pragma once
// Keep-alive connection pool: UpstreamConnections reused per origin
// (scheme://host:port). A keep-alive round trip on loopback costs
// ~70 µs; a fresh TCP (or TLS) connection costs several times that, so the
// pool is what keeps failover through N keys near N round trips.
#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "router/http/upstream_connection.h"

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

  // A connection to `base`'s origin: an idle one that is still usable when
  // there is one, else a new one (TCP connect before `connect_deadline`, TLS
  // handshake before `deadline`). Null on failure, with the reason in *error.
  std::unique_ptr<UpstreamConnection> acquire(const BaseUrl& base, SteadyClock::time_point connect_deadline,
                                              SteadyClock::time_point deadline, TransportError* error);
  // Returns a connection after a clean exchange; after any error the caller
  // drops it instead (its socket state is unknown).
  void release(const BaseUrl& base, std::unique_ptr<UpstreamConnection> connection);

  size_t idle_count() const;
  void clear();

 private:
  struct Idle {
    std::unique_ptr<UpstreamConnection> connection;
    SteadyClock::time_point since;
  };
  const TlsContext& tls();

  ClientPoolOptions options_;
  std::once_flag tls_once_;
  std::unique_ptr<TlsContext> tls_;  // made on the first https origin
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_;
};

}  // namespace keyward::http
