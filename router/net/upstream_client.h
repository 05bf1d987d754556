#pragma once
// The provider client: asynchronous HTTP/1.1 (Boost.Beast's parser and
// serializer) on the router's event loops. Every call is one request and one
// response over a keep-alive connection from a pool per event loop and
// provider origin, so the hot path takes no lock: a call runs on the loop of
// the thread that starts it (or, from any other thread, on one loop chosen by
// that thread) and only that loop touches its pool.
//
// Every phase (resolve, connect, TLS handshake, send, head, body, each gap of a
// stream) is bounded by the call's one deadline; the head and the body by
// their sizes. A 2xx body can go to a consumer as it arrives (SSE); any other
// body is returned whole, for classify(). The raw key is scrubbed from all
// that comes back.
//
// Asio and Beast stay out of this header: only router/net's .cpp files
// include them (a translation unit with Beast takes ~25 s to compile).
#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "router/core/classifier.h"
#include "router/net/upstream_url.h"

namespace keyward::net {

class EventLoop;

struct UpstreamOptions {
  bool tls_verify = true;            // off only for tests against the fakes' self-signed TLS
  Millis connect_timeout{2'000};     // resolve + TCP connect; capped by each call's timeout
  size_t max_body_bytes = 8 << 20;   // larger answers: TransportError::body_too_large
  size_t max_head_bytes = 64 << 10;  // status line + headers; larger: read_failed
  size_t max_idle_per_origin = 32;   // per event loop; more idle connections are closed
  // Idle connections older than this are closed instead of reused: a server
  // that closed its side meanwhile would turn the next call into a spurious
  // network failure. Below common server keep-alive timeouts (the fakes: 2 s).
  Millis max_idle{1'500};
};

struct UpstreamRequest {
  std::string method = "GET";
  std::string path;  // after the base URL's prefix, with query
  Headers headers;   // CR, LF and NUL in values are sent as spaces: a key cannot add a header
  std::string body;  // sent as application/json when not empty
  // The raw key: scrubbed from the returned body and headers (a provider that
  // quotes the key back must not leak it into logs or the journal).
  std::string secret;
};

// Receives the body of a 2xx answer as it arrives, on the call's event loop.
// TransportError::none to go on; anything else aborts the call with that error.
using BodyConsumer = std::function<TransportError(const char* data, size_t size)>;
// The call's end, on its event loop (or, for a call that could not start,
// possibly on the calling thread), exactly once.
using UpstreamDone = std::function<void(AttemptResult result)>;

class UpstreamClient {
 public:
  // Calls run on `loops`, which must be running and outlive the client.
  UpstreamClient(EventLoop& loops, UpstreamOptions options = {});
  // Closes every idle connection and ends calls still in flight (connection_reset).
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Starts one call; from any thread. `timeout` bounds the whole call, from now.
  // `on_2xx` null: a 2xx body is returned in AttemptResult::body.
  void call(const BaseUrl& base, UpstreamRequest request, Millis timeout, BodyConsumer on_2xx, UpstreamDone done);

  // Runs one call on the calling thread and returns once it ended (`done` has
  // run, on this thread). For synchronous callers (today's route handlers):
  // on a loop, each call would cost a hand-off to the loop's thread and one
  // back, which measures ~20 µs per call here and far more when a vCPU has
  // to be woken (docs/BENCHMARKS.md). The thread gets an io_context and a pool
  // of its own on its first call, kept for its later calls and closed when it
  // exits. Not from a loop thread: it would hold that loop for the whole call.
  void call_here(const BaseUrl& base, UpstreamRequest request, Millis timeout, BodyConsumer on_2xx, UpstreamDone done);

  // Idle pooled connections over all loops and calling threads.
  size_t idle_count() const;
  // Closes every idle connection of the loops and of the calling thread (so
  // servers and fakes see them go); other threads' own pools close with them.
  // Waits for each loop to do it (bounded).
  void close_idle();
  const UpstreamOptions& options() const;

  struct Shared;
  struct LoopState;

 private:
  std::shared_ptr<LoopState> pick_loop() const;
  // Runs `fn` on every loop's thread (inline for the calling loop) and waits, bounded.
  void on_every_loop(const std::function<void(LoopState&)>& fn);

  EventLoop& loops_;
  std::shared_ptr<Shared> shared_;
  std::vector<std::shared_ptr<LoopState>> states_;
};

// Replaces every occurrence of `secret` in `text` with its masked form.
void scrub_secret(std::string& text, const std::string& secret);

}  // namespace keyward::net
