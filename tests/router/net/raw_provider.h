#pragma once
// A provider on a raw loopback socket (port 0), for what a well-behaved server
// never does: garbled or cut answers, endless heads, closes at odd moments.
// Connections are served one after another on one thread, each by `serve`;
// the raw requests are recorded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyward::net::test {

class RawProvider {
 public:
  // Handles the n-th accepted connection (0-based) and returns when done with
  // it; the connection is then closed.
  using Serve = std::function<void(RawProvider& provider, int fd, int n)>;
  explicit RawProvider(Serve serve) : serve_(std::move(serve)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listener_, 16);
    thread_ = std::thread([this] {
      for (int n = 0;; ++n) {
        int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) return;
        {
          std::lock_guard lock(mu_);
          ++accepted_;
        }
        serve_(*this, fd, n);
        ::close(fd);
        std::lock_guard lock(mu_);
        ++closed_;
        cv_.notify_all();
      }
    });
  }
  ~RawProvider() {
    stop();
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }

  int port() const { return port_; }
  std::string base_url(const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port_) + "/v1";
  }

  // Reads one request (head, and a Content-Length body); "" when the client
  // closed first. Recorded.
  std::string read_request(int fd) {
    std::string in;
    char buf[4096];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return "";
      in.append(buf, static_cast<size_t>(n));
    }
    size_t length = 0;
    if (auto cl = in.find("Content-Length: "); cl != std::string::npos) length = std::stoul(in.substr(cl + 16));
    while (in.size() < head_end + 4 + length) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return "";
      in.append(buf, static_cast<size_t>(n));
    }
    std::lock_guard lock(mu_);
    requests_.push_back(in);
    cv_.notify_all();
    return in;
  }
  static bool send_all(int fd, const std::string& data) {
    return ::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size());
  }
  // Blocks until the client closes the connection (or sends more: returned).
  static std::string drain(int fd) {
    std::string in;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) in.append(buf, static_cast<size_t>(n));
    return in;
  }

  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int accepted() {
    std::lock_guard lock(mu_);
    return accepted_;
  }
  // Waits (bounded) until `n` connections were served and closed by the provider.
  bool wait_closed(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return closed_ >= n; });
  }
  // Waits (bounded) until `n` requests were read.
  bool wait_requests(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return requests_.size() >= n; });
  }
  // Paces a trickling answer: true after `period`, false at once once stop() was called.
  bool pause(std::chrono::milliseconds period) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, period, [&] { return stopping_; });
  }
  void stop() {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }

 private:
  Serve serve_;
  int listener_ = -1;
  int port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> requests_;
  int accepted_ = 0;
  int closed_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace keyward::net::test
