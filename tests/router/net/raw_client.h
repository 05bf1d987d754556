#pragma once
// A loopback TCP client for listener tests that must send what no HTTP library
// would (a trickled head, two Content-Lengths, a NUL, a body without end) and
// see exactly what comes back. Every wait is a poll() with a deadline: a test
// that would hang fails instead.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace keyward::net::test {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient(RawClient&& o) noexcept : fd_(o.fd_), connected_(o.connected_), in_(std::move(o.in_)), eof_(o.eof_) {
    o.fd_ = -1;
  }

  // `n` connections started at once (non-blocking connect()s, then one wait
  // for all): a burst, as a load balancer opening its pool does it.
  static std::vector<RawClient> connect_all(int port, size_t n, std::chrono::milliseconds deadline = 10'000ms) {
    std::vector<RawClient> out;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < n; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
      out.push_back(RawClient(fd, rc == 0 || errno == EINPROGRESS));
    }
    auto until = Clock::now() + deadline;
    for (auto& c : out) {
      if (!c.connected_) continue;
      c.connected_ = c.wait(POLLOUT, until);
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd_, SOL_SOCKET, SO_ERROR, &err, &len);
      c.connected_ = c.connected_ && err == 0;
    }
    return out;
  }

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // Sends all of `data` unless the peer closes, or `deadline` passes while
  // the socket stays unwritable (a server that stopped reading). Returns the
  // bytes sent.
  size_t send(const std::string& data, std::chrono::milliseconds deadline = 5000ms) {
    size_t sent = 0;
    auto until = Clock::now() + deadline;
    while (sent < data.size()) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!wait(POLLOUT, until)) return sent;
        continue;
      }
      return sent;  // closed or reset
    }
    return sent;
  }
  bool send_all(const std::string& data) { return send(data) == data.size(); }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  // Reads whatever arrives until `deadline` or the close; true when closed
  // (orderly or by reset).
  bool read_until_closed(std::chrono::milliseconds deadline) {
    auto until = Clock::now() + deadline;
    while (!eof_) {
      if (!read_some(until)) return eof_;
    }
    return true;
  }

  // One response (head + Content-Length body, or a chunked body) from the
  // buffer, reading more as needed. "" when none arrived in time.
  std::string read_response(std::chrono::milliseconds deadline = 10'000ms) {
    auto until = Clock::now() + deadline;
    for (;;) {
      size_t n = complete_response_size();
      if (n > 0) {
        std::string r = in_.substr(0, n);
        in_.erase(0, n);
        return r;
      }
      if (eof_ || !read_some(until)) return "";
    }
  }

  // Reads until the received bytes contain `needle` (true), the close or `deadline`.
  bool read_until_contains(const std::string& needle, std::chrono::milliseconds deadline = 10'000ms) {
    auto until = Clock::now() + deadline;
    while (in_.find(needle) == std::string::npos) {
      if (eof_ || !read_some(until)) return in_.find(needle) != std::string::npos;
    }
    return true;
  }

  // Bytes received and not yet taken by read_response().
  const std::string& received() const { return in_; }
  bool closed() const { return eof_; }

  // Waits for bytes (or the close) until `until`; false when neither came.
  bool read_some(Clock::time_point until) {
    for (;;) {
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<size_t>(n));
        return true;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        eof_ = true;
        return true;
      }
      if (!wait(POLLIN, until)) return false;
    }
  }

 private:
  RawClient(int fd, bool connected) : fd_(fd), connected_(connected) {}

  bool wait(short events, Clock::time_point until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    return ::poll(&p, 1, static_cast<int>(left)) > 0;
  }

  // 0 when the buffer does not yet hold one whole response.
  size_t complete_response_size() const {
    size_t head_end = in_.find("\r\n\r\n");
    if (head_end == std::string::npos) return 0;
    std::string head = in_.substr(0, head_end);
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    size_t body = head_end + 4;
    if (head.find("transfer-encoding: chunked") != std::string::npos) {
      size_t end = in_.find("\r\n0\r\n\r\n", head_end);
      if (in_.compare(body, 5, "0\r\n\r\n") == 0) return body + 5;
      return end == std::string::npos ? 0 : end + 7;
    }
    size_t cl = head.find("content-length:");
    if (cl == std::string::npos) return head.rfind("http/1.1 1", 0) == 0 ? body : (eof_ ? in_.size() : 0);
    size_t len = std::stoul(head.substr(cl + 15));
    return in_.size() >= body + len ? body + len : 0;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string in_;
  bool eof_ = false;
};

// "HTTP/1.1 413 Payload Too Large\r\n..." -> 413; 0 for anything else.
inline int status_of(const std::string& response) {
  if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) return 0;
  return std::atoi(response.c_str() + 9);
}

inline std::string body_of(const std::string& response) {
  size_t p = response.find("\r\n\r\n");
  return p == std::string::npos ? "" : response.substr(p + 4);
}

}  // namespace keyward::net::test
