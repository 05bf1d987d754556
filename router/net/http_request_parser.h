#pragma once
// Incremental HTTP/1.1 request parser over Beast's basic_parser (Beast stays in
// the .cpp): bytes in as they arrive, one request out, every limit enforced on
// the bytes actually seen:
//   - the head: at most `max_head_bytes` (431) and `max_headers` fields (431);
//     NUL or a bare LF anywhere in it, a malformed line, two Content-Length
//     fields (equal or not), Content-Length with chunked -> 400; a
//     Transfer-Encoding other than chunked -> 501;
//   - the body: a declared Content-Length above `body_limit` is refused as
//     soon as the head is complete, a chunked body as soon as its decoded size
//     passes the limit (413). A request with neither Content-Length nor
//     chunked has no body (RFC 9112 6.3): bytes after its head are the next
//     request.
// A parser is reused for the requests of one connection: reset() between them.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "router/net/http_message.h"

namespace keyward::net {

struct RequestLimits {
  size_t max_head_bytes = 16 << 10;  // request line + header fields
  size_t max_headers = 100;          // header fields
  size_t body_limit = 1 << 20;       // decoded body bytes
};

class RequestParser {
 public:
  enum class State {
    head,   // waiting for the rest of the head
    body,   // head complete, waiting for body bytes
    done,   // one complete request: take() it
    error,  // refused: refusal() says why; the connection cannot be reused
  };

  explicit RequestParser(RequestLimits limits);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Consumes bytes from the front of `data` and returns how many. It stops at
  // the end of one request (the rest belongs to the next) and at an error.
  // Unconsumed head bytes must be passed again, with more after them.
  size_t feed(std::string_view data);
  State state() const { return state_; }
  // Valid in State::error.
  const RefusalInfo& refusal() const { return refusal_; }
  // The head is complete (State::body or done); request() has its fields.
  bool head_done() const { return state_ == State::body || state_ == State::done; }
  // The head asked for "100 Continue" before the body is sent.
  bool expects_continue() const { return expects_continue_; }
  const HttpRequest& request() const { return request_; }
  // Moves the request out (State::done).
  HttpRequest take();
  // Ready for the next request of the same connection.
  void reset();

 private:
  struct Impl;
  size_t feed_request(std::string_view data);
  // One call into Beast; `whole_head`: data holds a complete head. Returns
  // the bytes consumed; errors set State::error.
  size_t put(std::string_view data, bool whole_head);
  // Scans head bytes as they arrive: NUL and bare LF are refused at once,
  // the size against max_head_bytes, and CR LF CR LF found ends the head.
  bool scan_head(std::string_view data);
  void fail(Refusal kind, std::string detail);

  RequestLimits limits_;
  std::unique_ptr<Impl> impl_;
  State state_ = State::head;
  RefusalInfo refusal_{Refusal::bad_request, "", ""};
  HttpRequest request_;
  bool expects_continue_ = false;
  // Head scan: bytes of this request's head checked so far, the last byte
  // seen and how much of CR LF CR LF has been matched.
  size_t head_scanned_ = 0;
  char last_ = 0;
  int eom_matched_ = 0;
};

}  // namespace keyward::net
