#pragma once
// One connection to a provider: TCP with TCP_NODELAY, optionally TLS through
// OpenSSL, non-blocking, every operation bounded by a deadline. Waiting is
// poll() with the time left to the call's deadline, so a provider that trickles
// its headers a byte at a time is still cut at the deadline (cpp-httplib's
// per-read timeout could not do that without a watchdog thread).
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "router/core/classifier.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace keyward::http {

using SteadyClock = std::chrono::steady_clock;

// The TLS settings every connection of a pool shares (one SSL_CTX: system CA
// store, TLS 1.2 or later, host name checked against the certificate). The CA
// store is OpenSSL's default; SSL_CERT_FILE / SSL_CERT_DIR override it (e.g.
// for an egress proxy's own CA).
class TlsContext {
 public:
  explicit TlsContext(bool verify);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;
  SSL_CTX* get() const { return ctx_; }
  bool verify() const { return verify_; }

 private:
  SSL_CTX* ctx_;
  bool verify_;
};

class UpstreamConnection {
 public:
  // Connects to host:port (TCP connect before `connect_deadline`, the TLS
  // handshake, when `tls` is set, before `deadline`). Null on failure, with
  // the reason in *error: connect_failed, timeout or tls.
  static std::unique_ptr<UpstreamConnection> open(const std::string& host, int port, const TlsContext* tls,
                                                  SteadyClock::time_point connect_deadline,
                                                  SteadyClock::time_point deadline, TransportError* error);
  ~UpstreamConnection();
  UpstreamConnection(const UpstreamConnection&) = delete;
  UpstreamConnection& operator=(const UpstreamConnection&) = delete;

  // none, timeout or connection_reset.
  TransportError write_all(std::string_view data, SteadyClock::time_point deadline);
  // Up to `capacity` bytes into `buffer`; *got == 0 means the peer closed.
  // none, timeout or connection_reset.
  TransportError read_some(char* buffer, size_t capacity, SteadyClock::time_point deadline, size_t* got);
  // For a pooled connection before reuse: false when the server closed it or
  // sent something unasked while it sat idle.
  bool usable_after_idle();

 private:
  UpstreamConnection(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  // Waits for `events` on the socket; false when the deadline passes first.
  bool wait(short events, SteadyClock::time_point deadline) const;
  // One step of an SSL_* call that returned `ret`: none to retry (after
  // waiting as OpenSSL asked), timeout, or `failure`.
  TransportError tls_wait(int ret, SteadyClock::time_point deadline, TransportError failure) const;

  int fd_;
  SSL* ssl_;  // null for plain HTTP
};

}  // namespace keyward::http
