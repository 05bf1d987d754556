#include "router/net/http_request_parser.h"

#include <algorithm>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>

namespace keyward::net {

namespace http = boost::beast::http;
using boost::beast::error_code;
using boost::beast::string_view;

// Beast's parser with our own callbacks: the fields go straight into an
// HttpRequest, and the limits Beast has no knob for (the number of fields,
// a second Content-Length even when equal, framing other than chunked) are
// checked as each field arrives.
struct RequestParser::Impl final : http::basic_parser<true> {
  Impl(const RequestLimits& limits, HttpRequest* request) : limits(limits), request(request) {
    eager(true);  // body bytes are parsed as they arrive, in the same put()
    // Our own scan enforces max_head_bytes on the whole head (request line
    // included) before Beast sees it; Beast's limit only bounds trailers.
    header_limit(static_cast<std::uint32_t>(std::min<size_t>(limits.max_head_bytes + 8, UINT32_MAX)));
    body_limit(static_cast<std::uint64_t>(limits.body_limit));
  }

  const RequestLimits& limits;
  HttpRequest* request;
  size_t fields = 0;
  bool content_length_seen = false;
  bool transfer_encoding_seen = false;
  // Set when our own check (not Beast's) refused the request.
  bool refused = false;
  Refusal kind = Refusal::bad_request;
  std::string detail;

  void refuse(Refusal k, std::string why, error_code& ec) {
    refused = true;
    kind = k;
    detail = std::move(why);
    ec = http::error::bad_value;  // any error stops Beast; `kind` says which
  }

  void on_request_impl(http::verb, string_view method, string_view target, int version, error_code&) override {
    request->method.assign(method.data(), method.size());
    request->target.assign(target.data(), target.size());
    request->version = version;
  }

  void on_response_impl(int, string_view, int, error_code& ec) override { ec = http::error::bad_version; }

  void on_field_impl(http::field f, string_view name, string_view value, error_code& ec) override {
    if (++fields > limits.max_headers) {
      return refuse(Refusal::too_many_headers, "more than " + std::to_string(limits.max_headers) + " header fields",
                    ec);
    }
    if (f == http::field::content_length) {
      // Beast accepts a repeated, equal Content-Length; a proxy in front may
      // have read the other one, so any repetition is refused (smuggling).
      if (content_length_seen) return refuse(Refusal::bad_request, "more than one Content-Length header", ec);
      content_length_seen = true;
    }
    if (f == http::field::transfer_encoding) transfer_encoding_seen = true;
    request->headers.push_back({std::string(name.data(), name.size()), std::string(value.data(), value.size())});
  }

  void on_header_impl(error_code& ec) override {
    // Beast frames only "chunked"; any other coding would leave the body's
    // length unknown, and a request's body never runs to the close.
    if (transfer_encoding_seen && !chunked())
      return refuse(Refusal::unsupported_framing, "Transfer-Encoding other than chunked is not supported", ec);
    request->keep_alive = keep_alive();
  }

  void on_body_init_impl(boost::optional<std::uint64_t> const& length, error_code&) override {
    if (length) request->body.reserve(static_cast<size_t>(std::min<std::uint64_t>(*length, limits.body_limit)));
  }

  std::size_t on_body_impl(string_view body, error_code&) override {
    request->body.append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}

  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override {
    request->body.append(body.data(), body.size());
    return body.size();
  }

  void on_finish_impl(error_code&) override {}
};

RequestParser::RequestParser(RequestLimits limits) : limits_(limits) { reset(); }

RequestParser::~RequestParser() = default;

void RequestParser::reset() {
  request_ = HttpRequest{};
  impl_ = std::make_unique<Impl>(limits_, &request_);
  state_ = State::head;
  refusal_ = RefusalInfo{Refusal::bad_request, "", ""};
  expects_continue_ = false;
  head_scanned_ = 0;
  last_ = 0;
  eom_matched_ = 0;
}

HttpRequest RequestParser::take() { return std::move(request_); }

void RequestParser::fail(Refusal kind, std::string detail) {
  state_ = State::error;
  refusal_ = RefusalInfo{kind, std::move(detail), std::string(request_.path())};
}

bool RequestParser::scan_head(std::string_view data) {
  // Nothing of the head is consumed before it is complete, so data[0] is its
  // first byte; bytes before head_scanned_ were checked by an earlier call.
  for (size_t i = head_scanned_; i < data.size() && eom_matched_ < 4; ++i) {
    char c = data[i];
    if (c == '\0') {
      fail(Refusal::bad_request, "NUL byte in the request head");
      return false;
    }
    if (c == '\n' && last_ != '\r') {
      fail(Refusal::bad_request, "bare LF in the request head (lines end with CRLF)");
      return false;
    }
    // CR LF CR LF ends the head: what follows is body.
    static constexpr char kEom[] = "\r\n\r\n";
    eom_matched_ = c == kEom[eom_matched_] ? eom_matched_ + 1 : (c == '\r' ? 1 : 0);
    last_ = c;
    if (++head_scanned_ > limits_.max_head_bytes) {
      fail(Refusal::head_too_large, "request head larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
      return false;
    }
  }
  return true;
}

size_t RequestParser::feed(std::string_view data) {
  if (state_ == State::done || state_ == State::error || data.empty()) return 0;
  // Empty lines before a request line are ignored (RFC 9112 2.2): some
  // clients send CRLF after a body. The head deadline bounds a client that
  // sends nothing else.
  size_t skipped = 0;
  if (state_ == State::head && head_scanned_ == 0) {
    while (data.size() - skipped >= 2 && data[skipped] == '\r' && data[skipped + 1] == '\n') skipped += 2;
    if (data.size() - skipped == 1 && data[skipped] == '\r') return skipped;  // half an empty line: wait
  }
  return skipped + feed_request(data.substr(skipped));
}

size_t RequestParser::feed_request(std::string_view data) {
  if (data.empty()) return 0;
  // Beast sees at most one window of body bytes per call (the size of a
  // head), and a head only once all of it is here: whether a request is
  // refused, and why, must not depend on how its bytes were split.
  const size_t window = std::max<size_t>(limits_.max_head_bytes, 1);
  size_t used = 0;
  if (state_ == State::head) {
    if (!scan_head(data) || eom_matched_ < 4) return 0;
    used = put(data.substr(0, head_scanned_ + window), true);
  }
  while (state_ == State::body && used < data.size()) {
    std::string_view piece = data.substr(used, window);
    size_t n = put(piece, false);
    used += n;
    if (n > 0 || state_ != State::body) continue;
    // Nothing consumed: an unfinished chunk-size line or trailer. Bound it
    // like a head, or a line without end would grow the connection's buffer.
    if (piece.size() == window)
      fail(Refusal::bad_request, "chunk-size line or trailer longer than " + std::to_string(window) + " bytes");
    break;
  }
  return used;
}

size_t RequestParser::put(std::string_view data, bool whole_head) {
  error_code ec;
  size_t used = impl_->put(boost::asio::const_buffer(data.data(), data.size()), ec);
  if (ec == http::error::need_more) {
    ec = {};
    // A complete head never needs more; Beast asks for more when a malformed
    // line ends early (a version shorter than "HTTP/1.1" before CRLF), and
    // would then wait for ever: refuse it like any malformed head.
    if (whole_head && !impl_->is_header_done()) {
      fail(Refusal::bad_request, "malformed request line or header");
      return used;
    }
  }
  if (ec) {
    if (impl_->refused)
      fail(impl_->kind, impl_->detail);
    else if (ec == http::error::header_limit)
      fail(Refusal::bad_request, "trailer larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
    else if (ec == http::error::body_limit)
      fail(Refusal::body_too_large,
           "request body larger than the limit of " + std::to_string(limits_.body_limit) + " bytes");
    else
      fail(Refusal::bad_request, "malformed request: " + ec.message());
    return used;
  }
  if (impl_->is_header_done() && state_ == State::head) {
    state_ = State::body;
    std::string expect = request_.header("Expect");
    expects_continue_ = iequals(expect, "100-continue");
  }
  if (impl_->is_done()) state_ = State::done;
  return used;
}

}  // namespace keyward::net
