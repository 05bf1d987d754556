#pragma once
// The public listener's request and response values: plain strings, no Asio
// or Beast types, so that route code (router/http) includes only this.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keyward::net {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpRequest {
  std::string method;  // "GET", as sent (methods are case-sensitive)
  std::string target;  // "/api/journal?limit=5", as sent
  int version = 11;    // 10 or 11 (HTTP/1.0, HTTP/1.1)
  std::vector<HttpHeader> headers;
  std::string body;  // at most the server's body_limit bytes
  bool keep_alive = true;

  // The target up to '?' / after it ("" when there is none).
  std::string_view path() const;
  std::string_view query() const;
  // The first header of that name (case-insensitive); "" when absent.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  // A query parameter, percent- and '+'-decoded; nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<HttpHeader> headers;  // besides Content-Type, Content-Length and Connection
  std::string body;
};

// Why the server answered a request itself, before (or instead of) a handler.
enum class Refusal {
  bad_request,          // 400: malformed head, NUL, bare LF, two Content-Lengths, bad chunking
  head_too_large,       // 431: head above max_head_bytes
  too_many_headers,     // 431: more than max_headers header fields
  body_too_large,       // 413: declared or read body above body_limit
  head_timeout,         // 408: the head did not arrive within head_timeout
  body_timeout,         // 408: the body did not arrive within body_timeout
  unsupported_framing,  // 501: a Transfer-Encoding other than chunked
};
int refusal_status(Refusal r);
const char* to_string(Refusal r);  // "body_too_large"

struct RefusalInfo {
  Refusal kind;
  std::string detail;  // "Content-Length 1073741824 is above the body limit of 1048576 bytes"
  std::string path;    // the request's path when the request line was read, else ""
};

// The reason phrase for a status ("Payload Too Large"); "Unknown" for others.
const char* reason_phrase(int status);

// Case-insensitive ASCII comparison (header names).
bool iequals(std::string_view a, std::string_view b);

// The bytes of an answer: status line, headers (CR, LF and NUL in names or
// values become spaces: a value can never add a header), Content-Length and,
// when `keep_alive` is false, "Connection: close". `head_only` (a HEAD
// request) leaves the body out but keeps its Content-Length.
std::string serialize_response(const HttpResponse& response, int version, bool keep_alive, bool head_only);
// The head of a streamed answer: chunked on HTTP/1.1; on HTTP/1.0 (no chunked
// coding) the body runs until the connection closes.
std::string serialize_stream_head(int status, const std::string& content_type, const std::vector<HttpHeader>& headers,
                                  int version, bool keep_alive);
// One chunk of a streamed answer on HTTP/1.1 ("5\r\nhello\r\n"); the bytes as they are on HTTP/1.0.
std::string chunk_frame(std::string_view data, int version);
// The end of a streamed answer ("0\r\n\r\n" on HTTP/1.1, nothing on HTTP/1.0).
std::string_view last_chunk(int version);

}  // namespace keyward::net
