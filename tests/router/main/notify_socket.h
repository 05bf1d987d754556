#pragma once
// A stand-in for systemd's notification socket: a datagram socket bound in a
// fresh directory, whose path goes into $NOTIFY_SOCKET; each sd_notify() call
// arrives as one datagram.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace keyward::test {

class NotifySocket {
 public:
  NotifySocket() {
    char tmpl[] = "/tmp/keyward-notify-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/notify.sock";
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool bound() const { return bound_; }
  const std::string& path() const { return path_; }

  // The next datagram, or nullopt when none came within `wait`.
  std::optional<std::string> next(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) != 1) return std::nullopt;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }

  // Skips datagrams until one starts with `prefix` (within `wait` in all).
  std::optional<std::string> next_starting(const std::string& prefix, std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto d = next(left);
      if (!d) return std::nullopt;
      if (d->rfind(prefix, 0) == 0) return d;
    }
  }

 private:
  std::string dir_, path_;
  int fd_ = -1;
  bool bound_ = false;
};

}  // namespace keyward::test
