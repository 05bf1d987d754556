#pragma once
// An incremental HTTP/1.1 response parser for the provider path: bytes go in
// as they arrive from the socket (any split), the status and headers come out
// once, body bytes (de-chunked) go to a sink. No I/O here, so the framing rules
// are unit-tested and fuzzed on their own (tests/fuzz/http1_response.cpp).
//
// Why not cpp-httplib's client: on a cold failover the router makes one
// provider exchange per failing key, and its profile was 71% cpp-httplib's
// client (request written in two send()s, response headers parsed line by line
// into a case-insensitive multimap). See docs/BENCHMARKS.md.
//
// Framing follows RFC 9112 §6.3: 1xx/204/304 have no body; a final `chunked`
// transfer coding frames the body in chunks; otherwise Content-Length (several
// different values are an error); otherwise the body runs to the end of the
// connection. Every buffer is bounded: the head by `max_head_bytes`, a chunk
// size line and the trailers by `max_line_bytes`.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "router/core/classifier.h"

namespace keyward::http {

class Http1ResponseParser {
 public:
  struct Limits {
    size_t max_head_bytes = 64 << 10;  // status line + headers
    size_t max_line_bytes = 4 << 10;   // a chunk-size line, or the trailers in all
  };
  // Body bytes of the final response. Returns false to stop parsing (feed then
  // returns Status::stopped).
  using BodySink = std::function<bool(const char* data, size_t size)>;

  enum class Status {
    more,       // all input consumed, the response is not complete yet
    complete,   // the response is complete; `leftover` says if bytes followed it
    stopped,    // the sink returned false
    malformed,  // not HTTP/1.x, or framing that cannot be trusted; see error()
  };

  explicit Http1ResponseParser(Limits limits) : limits_(limits) {}
  Http1ResponseParser() : Http1ResponseParser(Limits{}) {}

  // Consumes `data`. After Status::complete, bytes that followed the response
  // are counted in leftover_bytes() (a well-behaved server sends none).
  Status feed(std::string_view data, const BodySink& sink);
  // The peer closed the connection. complete for a body that runs to the end
  // of the connection; otherwise more (the response was cut short).
  Status finish();

  // The final response's status line and headers were read and are valid.
  bool head_complete() const { return head_complete_; }
  bool complete() const { return state_ == State::done; }
  int status() const { return status_; }
  const Headers& headers() const { return headers_; }  // names lower-case, values trimmed
  // The connection can carry another request: HTTP/1.1, no `Connection: close`,
  // a framed body read to its end and nothing after it.
  bool reusable() const;
  size_t leftover_bytes() const { return leftover_; }
  const std::string& error() const { return error_; }

 private:
  enum class State { head, length_body, chunk_size, chunk_data, chunk_data_end, trailers, until_close, done, failed };

  Status fail(std::string why);
  Status stop();
  // Parses head_ (status line and headers); sets the body state.
  bool parse_head();
  Status feed_body(std::string_view& data, const BodySink& sink);

  Limits limits_;
  State state_ = State::head;
  std::string head_;   // bytes of the head so far (bounded)
  std::string line_;   // chunk-size line or trailers so far (bounded)
  size_t head_scan_ = 0;  // where the search for the blank line resumes
  uint64_t remaining_ = 0;  // of the Content-Length body or of the current chunk
  int status_ = 0;
  bool http11_ = false;
  bool connection_close_ = false;
  bool head_complete_ = false;
  Headers headers_;
  size_t leftover_ = 0;
  std::string error_;
};

}  // namespace keyward::http
