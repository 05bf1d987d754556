#pragma once
// A private redis-server for a test: on a unix socket in a fresh temporary
// directory, no TCP port, no persistence; stopped (by pid) when destroyed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "router/cluster/redis_connection.h"

namespace keyward::cluster::test {

class RedisServer {
 public:
  explicit RedisServer(const std::string& requirepass = "") : requirepass_(requirepass) {
    char tmpl[] = "/tmp/keyward-redis-XXXXXX";
    dir_ = mkdtemp(tmpl);
    socket_ = dir_ + "/redis.sock";
    start();
  }
  // Starts it again on the same socket (after stop()): an empty Redis.
  void start() {
    const std::string& requirepass = requirepass_;
    ready_ = false;
    std::filesystem::remove(socket_);
    std::vector<std::string> args = {"redis-server", "--port", "0", "--unixsocket", socket_, "--save", "",
                                     "--appendonly", "no", "--dir", dir_, "--logfile", dir_ + "/redis.log"};
    if (!requirepass.empty()) args.insert(args.end(), {"--requirepass", requirepass});
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("redis-server", argv.data());
      _exit(127);
    }
    // Ready when it answers on its socket (bounded: 10 s).
    RedisUrl url;
    url.kind = RedisUrl::Kind::unix_socket;
    url.path = socket_;
    url.password = requirepass;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      std::string error;
      if (std::filesystem::exists(socket_) && RedisConnection::connect(url, Millis(500), &error)) {
        ready_ = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polling for start-up, not timing
    }
  }
  ~RedisServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  bool ready() const { return ready_; }
  std::string url() const { return "unix://" + socket_; }
  const std::string& socket() const { return socket_; }

 private:
  std::string requirepass_, dir_, socket_;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace keyward::cluster::test
