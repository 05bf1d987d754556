#pragma once
// A small keep-alive HTTP/1.1 provider on an event loop of its own, for tests
// that open many connections at once: the fakes' cpp-httplib listener has a
// listen backlog of 5, so a burst of connects there waits on SYN
// retransmissions (seconds); this one listens with SOMAXCONN.
//
// POST .../chat/completions: 200 with an OpenAI answer for the good key
// (`"stream":true` in the body: an SSE stream of three deltas and [DONE]),
// 401 invalid_api_key for any other.
#include <memory>
#include <string>

namespace keyward::test {

class LocalProvider {
 public:
  explicit LocalProvider(std::string good_key);
  ~LocalProvider();
  std::string base_url() const;  // http://127.0.0.1:PORT/v1
  long requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace keyward::test
