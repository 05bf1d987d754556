#pragma once
// A byte-level fault proxy: listens on 127.0.0.1 (a free port), forwards each
// connection to an upstream (a unix socket or a TCP address) and can break
// the path on demand. The scenario runner puts one between each replica of a
// cluster and Redis: a `partition` is the proxy going down, a `heal` it
// coming back.
//
// Faults:
//   down     every open connection is closed; new ones are accepted and
//            closed at once (the client sees EOF on its first read)
//   latency  every chunk is forwarded this long after it arrived
//   reset    every open connection is reset (RST) once; new ones pass
#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/clock.h"

namespace keyward::fakes {

struct ProxyUpstream {
  std::string unix_path;  // non-empty: a unix socket ...
  std::string host = "127.0.0.1";
  int port = 0;  // ... else this TCP address
};

class FaultProxy {
 public:
  explicit FaultProxy(ProxyUpstream upstream);
  ~FaultProxy();  // stop()
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Binds 127.0.0.1:0 and accepts on a thread of its own. False + error.
  bool start(std::string* error);
  void stop();
  int port() const { return port_; }

  void set_down(bool down);
  bool down() const { return down_.load(); }
  void set_latency(Millis latency);
  void reset_connections();

  size_t open_connections() const;
  uint64_t accepted() const { return accepted_.load(); }

 private:
  struct Connection;
  void accept_loop();
  void pump(const std::shared_ptr<Connection>& c);
  int dial() const;
  // Ends every open connection: by RST when `reset`, else by FIN.
  void end_connections(bool reset);
  void reap();  // joins the threads of connections that ended

  ProxyUpstream upstream_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // stop() wakes the accept loop
  int port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stopping_{false}, down_{false};
  std::atomic<int64_t> latency_ms_{0};
  std::atomic<uint64_t> accepted_{0};
  mutable std::mutex mu_;
  std::list<std::shared_ptr<Connection>> connections_;
};

}  // namespace keyward::fakes
