#include "router/http/upstream_connection.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace keyward::http {

namespace {

int millis_left(SteadyClock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  // Rounded up so that a wait never ends just before its deadline and spins.
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left + 1, 1 << 30));
}

bool is_ip_literal(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

// Non-blocking TCP connect to one address. -1 with *error on failure.
int connect_one(const addrinfo* ai, SteadyClock::time_point deadline, TransportError* error) {
  int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
  if (fd < 0) {
    *error = TransportError::connect_failed;
    return -1;
  }
  // Without TCP_NODELAY a keep-alive round trip waits ~40 ms for Nagle + delayed ACK.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS) {
      ::close(fd);
      *error = TransportError::connect_failed;
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int ready;
    do ready = ::poll(&p, 1, millis_left(deadline));
    while (ready < 0 && errno == EINTR);
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (ready <= 0) {
      ::close(fd);
      *error = ready == 0 ? TransportError::timeout : TransportError::connect_failed;
      return -1;
    }
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0 || so_error != 0) {
      ::close(fd);
      *error = TransportError::connect_failed;
      return -1;
    }
  }
  return fd;
}

}  // namespace

TlsContext::TlsContext(bool verify) : ctx_(SSL_CTX_new(TLS_client_method())), verify_(verify) {
  if (!ctx_) return;
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
  // A body that runs to the end of the connection ends with a plain TCP close
  // on many servers; OpenSSL 3 would report that as an error.
  SSL_CTX_set_options(ctx_, SSL_OP_IGNORE_UNEXPECTED_EOF);
#endif
  if (verify_) {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    SSL_CTX_set_default_verify_paths(ctx_);
  } else {
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  }
}

TlsContext::~TlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

std::unique_ptr<UpstreamConnection> UpstreamConnection::open(const std::string& host_in, int port, const TlsContext* tls,
                                                             SteadyClock::time_point connect_deadline,
                                                             SteadyClock::time_point deadline, TransportError* error) {
  *error = TransportError::connect_failed;
  // "[::1]" in a URL is "::1" to the resolver and to the certificate check.
  std::string host = host_in.size() > 2 && host_in.front() == '[' && host_in.back() == ']'
                         ? host_in.substr(1, host_in.size() - 2)
                         : host_in;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.c_str(), service.c_str(), &hints, &list) != 0 || !list) return nullptr;
  int fd = -1;
  for (const addrinfo* ai = list; ai && fd < 0; ai = ai->ai_next) {
    fd = connect_one(ai, connect_deadline, error);
    if (*error == TransportError::timeout) break;  // the connect budget is spent
  }
  ::freeaddrinfo(list);
  if (fd < 0) return nullptr;
  if (!tls) return std::unique_ptr<UpstreamConnection>(new UpstreamConnection(fd, nullptr));

  SSL* ssl = tls->get() ? SSL_new(tls->get()) : nullptr;
  std::unique_ptr<UpstreamConnection> conn(new UpstreamConnection(fd, ssl));  // owns fd (and ssl) from here
  *error = TransportError::tls;
  if (!ssl || SSL_set_fd(ssl, fd) != 1) return nullptr;
  if (!is_ip_literal(host)) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI
  if (tls->verify() && SSL_set1_host(ssl, host.c_str()) != 1) return nullptr;
  while (true) {
    ERR_clear_error();
    int ret = SSL_connect(ssl);
    if (ret == 1) break;
    TransportError e = conn->tls_wait(ret, deadline, TransportError::tls);
    if (e != TransportError::none) {
      *error = e;
      return nullptr;
    }
  }
  *error = TransportError::none;
  return conn;
}

UpstreamConnection::~UpstreamConnection() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

bool UpstreamConnection::wait(short events, SteadyClock::time_point deadline) const {
  pollfd p{fd_, events, 0};
  while (true) {
    int ready = ::poll(&p, 1, millis_left(deadline));
    if (ready > 0) return true;  // ready, or an error/hang-up the next call reports
    if (ready == 0 || errno != EINTR) return false;
  }
}

TransportError UpstreamConnection::tls_wait(int ret, SteadyClock::time_point deadline, TransportError failure) const {
  switch (SSL_get_error(ssl_, ret)) {
    case SSL_ERROR_WANT_READ: return wait(POLLIN, deadline) ? TransportError::none : TransportError::timeout;
    case SSL_ERROR_WANT_WRITE: return wait(POLLOUT, deadline) ? TransportError::none : TransportError::timeout;
    default: return failure;
  }
}

TransportError UpstreamConnection::write_all(std::string_view data, SteadyClock::time_point deadline) {
  while (!data.empty()) {
    if (ssl_) {
      ERR_clear_error();
      int n = SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
      if (n > 0) {
        data.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      TransportError e = tls_wait(n, deadline, TransportError::connection_reset);
      if (e != TransportError::none) return e;
      continue;
    }
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait(POLLOUT, deadline)) return TransportError::timeout;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      return TransportError::connection_reset;
    }
  }
  return TransportError::none;
}

TransportError UpstreamConnection::read_some(char* buffer, size_t capacity, SteadyClock::time_point deadline,
                                             size_t* got) {
  *got = 0;
  while (true) {
    if (SteadyClock::now() >= deadline) return TransportError::timeout;
    if (ssl_) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(capacity, 1 << 30)));
      if (n > 0) {
        *got = static_cast<size_t>(n);
        return TransportError::none;
      }
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_ZERO_RETURN) return TransportError::none;  // close_notify: the end
      if (err == SSL_ERROR_SYSCALL && n == 0 && ERR_peek_error() == 0) return TransportError::none;  // plain EOF
      TransportError e = tls_wait(n, deadline, TransportError::connection_reset);
      if (e != TransportError::none) return e;
      continue;
    }
    ssize_t n = ::recv(fd_, buffer, capacity, 0);
    if (n >= 0) {
      *got = static_cast<size_t>(n);
      return TransportError::none;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait(POLLIN, deadline)) return TransportError::timeout;
    } else if (errno != EINTR) {
      return TransportError::connection_reset;
    }
  }
}

bool UpstreamConnection::usable_after_idle() {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) == 0) return true;  // nothing arrived: the common case, one syscall
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return false;
  if (!ssl_) return false;  // plain HTTP: a FIN or unasked bytes, either way not reusable
  // TLS 1.3 servers send session tickets after the handshake; reading them is
  // not data. Anything else (close_notify, an alert, application bytes) is.
  char byte;
  ERR_clear_error();
  int n = SSL_peek(ssl_, &byte, 1);
  return n <= 0 && SSL_get_error(ssl_, n) == SSL_ERROR_WANT_READ;
}

}  // namespace keyward::http
