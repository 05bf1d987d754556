#pragma once
// The plumbing under the fake HTTP servers that cpp-httplib does not offer:
// a bounded elastic worker pool (hanging faults must not starve other
// requests), dropping a connection from inside a handler (reset / empty
// answer), and an in-memory self-signed certificate for TLS fakes.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

namespace keyward::fakes {

// Grows up to `max_threads` workers on demand (a fake with no traffic costs
// no threads). Past `max_queue` waiting connections, enqueue runs the job on
// the accepting thread: back-pressure instead of an unbounded queue. Workers
// block SIGPIPE so that writing to a peer that went away (a client that timed
// out on a hang fault) is an EPIPE, not the death of the process.
class ElasticPool final : public httplib::TaskQueue {
 public:
  explicit ElasticPool(std::size_t max_threads, std::size_t max_queue = 1024);
  ~ElasticPool() override;
  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

 private:
  void work();
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  std::size_t max_threads_;
  std::size_t max_queue_;
  bool shutdown_ = false;
};

// Closes the connection `req` arrived on, from inside its handler: with a TCP
// RST when `reset`, else with a FIN and no answer. The descriptor stays owned
// by cpp-httplib (it is swapped for a dead socket with dup2, so no double
// close can hit a reused descriptor); its attempt to answer then fails and it
// closes. Returns false if the connection could not be found.
bool drop_connection(const httplib::Request& req, bool reset);

// Shuts down (without closing: cpp-httplib still owns them) every accepted
// connection of this process on local `port`, so that stop() does not wait
// for idle keep-alive clients. Call after the listener is closed.
void shutdown_connections(int port);

// A fresh self-signed certificate (EC P-256, CN=localhost, SAN 127.0.0.1 and
// localhost) and an HTTPS server using it. Throws std::runtime_error.
std::unique_ptr<httplib::Server> make_tls_server();

}  // namespace keyward::fakes
