#pragma once
// A private redis-server (Debian's redis-server binary) for a test, a
// benchmark or a scenario run: listening on a unix socket only (`--port 0`),
// no persistence (`--save '' --appendonly no`), stopped by its pid.
//
// Header-only on purpose: the router's cluster tests, bench_cluster and the
// scenario runner all start one, and the first two link no fakes library.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace keyward::fakes {

class RedisServer {
 public:
  // `dir`: where the socket and the log go; empty: a fresh temporary
  // directory, removed when this is destroyed. A socket path must fit
  // sockaddr_un (108 bytes): a longer `dir` falls back to a temporary one too.
  explicit RedisServer(const std::string& requirepass = "", const std::string& dir = "")
      : requirepass_(requirepass), dir_(dir) {
    // Absolute: redis-server changes into --dir before it opens the socket and the log.
    std::error_code ec;
    if (!dir_.empty()) dir_ = std::filesystem::absolute(dir_, ec).lexically_normal().string();
    if (dir_.empty() || (dir_ + "/redis.sock").size() >= sizeof(sockaddr_un{}.sun_path)) {
      char tmpl[] = "/tmp/keyward-redis-XXXXXX";
      const char* made = mkdtemp(tmpl);
      dir_ = made ? made : "/tmp";
      own_dir_ = made != nullptr;
    }
    socket_ = dir_ + "/redis.sock";
    start();
  }
  ~RedisServer() {
    stop();
    std::error_code ec;
    if (own_dir_) std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Starts it (again, after stop()) on the same socket: an empty Redis.
  // Ready when it answers a PING on its socket (bounded: 10 s).
  void start() {
    if (pid_ > 0) return;
    ready_ = false;
    std::error_code ec;
    std::filesystem::remove(socket_, ec);
    std::vector<std::string> args = {
        "redis-server", "--port", "0",     "--unixsocket", socket_,     "--save",           "",
        "--appendonly", "no",     "--dir", dir_,           "--logfile", dir_ + "/redis.log"};
    if (!requirepass_.empty()) args.insert(args.end(), {"--requirepass", requirepass_});
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlives its test or run
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("redis-server", argv.data());
      _exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      if (answers_ping()) {
        ready_ = true;
        break;
      }
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {  // it died (no binary, bad argument)
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // polling for start-up, not timing
    }
  }
  // SIGKILL, as a crash: clients see their connections drop at once.
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
    ready_ = false;
  }
  bool ready() const { return ready_; }
  bool running() const { return pid_ > 0; }
  std::string url() const { return "unix://" + socket_; }
  const std::string& socket() const { return socket_; }
  const std::string& dir() const { return dir_; }

 private:
  // Any reply to PING (+PONG, or -NOAUTH with a password) means it serves.
  bool answers_ping() const {
    int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket_.c_str(), sizeof addr.sun_path - 1);
    timeval tv{0, 500'000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6) {
      char c = 0;
      ok = ::recv(fd, &c, 1, 0) == 1 && (c == '+' || c == '-');
    }
    ::close(fd);
    return ok;
  }

  std::string requirepass_, dir_, socket_;
  bool own_dir_ = false;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace keyward::fakes
