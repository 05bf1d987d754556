#include "fakes/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace keyward::fakes {

struct FaultProxy::Connection {
  int client = -1, server = -1;
  std::atomic<bool> reset{false};
  std::atomic<bool> done{false};
  std::thread thread;
};

namespace {

bool send_all(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Closing with SO_LINGER {1, 0} sends an RST instead of a FIN.
void close_with_reset(int fd) {
  linger l{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  ::close(fd);
}

}  // namespace

FaultProxy::FaultProxy(ProxyUpstream upstream) : upstream_(std::move(upstream)) {}

FaultProxy::~FaultProxy() { stop(); }

bool FaultProxy::start(std::string* error) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0 || ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    *error = std::string("fault proxy: cannot listen: ") + std::strerror(errno);
    stop();
    return false;
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
  return true;
}

void FaultProxy::stop() {
  stopping_ = true;
  if (wake_[1] >= 0) {
    char c = 0;
    [[maybe_unused]] ssize_t w = ::write(wake_[1], &c, 1);
  }
  if (acceptor_.joinable()) acceptor_.join();
  end_connections(false);
  std::list<std::shared_ptr<Connection>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(connections_);
  }
  for (auto& c : all)
    if (c->thread.joinable()) c->thread.join();
  for (int* fd : {&listen_fd_, &wake_[0], &wake_[1]}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

int FaultProxy::dial() const {
  if (!upstream_.unix_path.empty()) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, upstream_.unix_path.c_str(), sizeof a.sun_path - 1);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return fd;
    if (fd >= 0) ::close(fd);
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(upstream_.port));
  ::inet_pton(AF_INET, upstream_.host.c_str(), &a.sin_addr);
  if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }
  if (fd >= 0) ::close(fd);
  return -1;
}

void FaultProxy::accept_loop() {
  while (!stopping_) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (stopping_ || (fds[1].revents & POLLIN)) return;
    if (!(fds[0].revents & POLLIN)) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    ++accepted_;
    reap();
    // Down: the connection is taken and closed at once, as a path that breaks.
    int server = down_ ? -1 : dial();
    if (server < 0) {
      ::close(client);
      continue;
    }
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_shared<Connection>();
    c->client = client;
    c->server = server;
    std::lock_guard lock(mu_);
    connections_.push_back(c);
    c->thread = std::thread([this, c] { pump(c); });
  }
}

void FaultProxy::pump(const std::shared_ptr<Connection>& c) {
  char buf[16384];
  for (;;) {
    pollfd fds[2] = {{c->client, POLLIN, 0}, {c->server, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) break;
    bool ok = true;
    for (int i = 0; i < 2 && ok; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0 || c->reset || down_) {
        ok = false;
        break;
      }
      // The latency fault: this chunk arrives that much later (the fault
      // itself, not a test waiting for time to pass).
      if (int64_t ms = latency_ms_.load(); ms > 0) std::this_thread::sleep_for(Millis(ms));
      ok = send_all(fds[1 - i].fd, buf, static_cast<size_t>(n));
    }
    if (!ok) break;
  }
  // Under the lock: end_connections() never shuts down a descriptor reused meanwhile.
  std::lock_guard lock(mu_);
  if (c->reset)
    close_with_reset(c->client);
  else
    ::close(c->client);
  ::close(c->server);
  c->done = true;
}

void FaultProxy::end_connections(bool reset) {
  std::lock_guard lock(mu_);
  for (auto& c : connections_) {
    if (c->done) continue;
    if (reset) c->reset = true;
    // Wakes the pump, which closes both ends itself (no descriptor is closed twice).
    ::shutdown(c->server, SHUT_RDWR);
  }
}

void FaultProxy::reap() {
  std::list<std::shared_ptr<Connection>> ended;
  {
    std::lock_guard lock(mu_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if ((*it)->done) {
        ended.push_back(*it);
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : ended) c->thread.join();
}

void FaultProxy::set_down(bool down) {
  down_ = down;
  if (down) end_connections(false);
}

void FaultProxy::set_latency(Millis latency) { latency_ms_ = latency.count(); }

void FaultProxy::reset_connections() { end_connections(true); }

size_t FaultProxy::open_connections() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& c : connections_) n += c->done ? 0 : 1;
  return n;
}

}  // namespace keyward::fakes
