#include "router/net/http_message.h"

#include <cstdio>

namespace keyward::net {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Header text from a handler goes on the wire as one line, whatever it holds.
void append_clean(std::string& out, std::string_view text) {
  for (char c : text) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
}

void append_status_line(std::string& out, int status, int version) {
  out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  append_clean(out, name);
  out += ": ";
  append_clean(out, value);
  out += "\r\n";
}

void append_connection(std::string& out, int version, bool keep_alive) {
  if (!keep_alive)
    out += "Connection: close\r\n";
  else if (version == 10)
    out += "Connection: keep-alive\r\n";
}

}  // namespace

std::string_view HttpRequest::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view HttpRequest::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return h.value;
  return "";
}

bool HttpRequest::has_header(std::string_view name) const {
  for (const auto& h : headers)
    if (iequals(h.name, name)) return true;
  return false;
}

std::optional<std::string> HttpRequest::query_param(std::string_view name) const {
  std::string_view q = query();
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = pair.find('=');
    if (url_decode(pair.substr(0, eq)) != name) continue;
    return eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
  }
  return std::nullopt;
}

int refusal_status(Refusal r) {
  switch (r) {
    case Refusal::bad_request:
      return 400;
    case Refusal::head_too_large:
    case Refusal::too_many_headers:
      return 431;
    case Refusal::body_too_large:
      return 413;
    case Refusal::head_timeout:
    case Refusal::body_timeout:
      return 408;
    case Refusal::unsupported_framing:
      return 501;
  }
  return 400;
}

const char* to_string(Refusal r) {
  switch (r) {
    case Refusal::bad_request:
      return "bad_request";
    case Refusal::head_too_large:
      return "head_too_large";
    case Refusal::too_many_headers:
      return "too_many_headers";
    case Refusal::body_too_large:
      return "body_too_large";
    case Refusal::head_timeout:
      return "head_timeout";
    case Refusal::body_timeout:
      return "body_timeout";
    case Refusal::unsupported_framing:
      return "unsupported_framing";
  }
  return "bad_request";
}

const char* reason_phrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string serialize_response(const HttpResponse& r, int version, bool keep_alive, bool head_only) {
  std::string out;
  out.reserve(128 + r.body.size());
  append_status_line(out, r.status, version);
  if (!r.content_type.empty()) append_header(out, "Content-Type", r.content_type);
  for (const auto& h : r.headers) append_header(out, h.name, h.value);
  out += "Content-Length: ";
  out += std::to_string(r.body.size());
  out += "\r\n";
  append_connection(out, version, keep_alive);
  out += "\r\n";
  if (!head_only) out += r.body;
  return out;
}

std::string serialize_stream_head(int status, const std::string& content_type, const std::vector<HttpHeader>& headers,
                                  int version, bool keep_alive) {
  std::string out;
  append_status_line(out, status, version);
  if (!content_type.empty()) append_header(out, "Content-Type", content_type);
  for (const auto& h : headers) append_header(out, h.name, h.value);
  if (version == 10) {
    out += "Connection: close\r\n";
  } else {
    out += "Transfer-Encoding: chunked\r\n";
    append_connection(out, version, keep_alive);
  }
  out += "\r\n";
  return out;
}

std::string chunk_frame(std::string_view data, int version) {
  if (version == 10) return std::string(data);
  if (data.empty()) return "";  // an empty chunk would end the body
  char size[20];
  int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<size_t>(n) + data.size() + 2);
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out += "\r\n";
  return out;
}

std::string_view last_chunk(int version) { return version == 10 ? std::string_view{} : "0\r\n\r\n"; }

}  // namespace keyward::net
