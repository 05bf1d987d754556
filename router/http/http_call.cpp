#include "router/http/http_call.h"

#include <algorithm>

#include "base/key_mask.h"
#include "router/http/http1_response_parser.h"

namespace keyward::http {

void scrub_secret(std::string& text, const std::string& secret) {
  if (secret.size() < 4) return;  // too short to be a real key; masking would mangle text
  const std::string masked = mask_key(secret);
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + masked.size()))
    text.replace(pos, secret.size(), masked);
}

namespace {

// The whole request in one buffer, so that it leaves in one send(): a request
// written in pieces costs the provider a wake-up per piece.
std::string request_bytes(const BaseUrl& base, const HttpRequest& request) {
  std::string out;
  out.reserve(256 + request.path.size() + request.body.size());
  out.append(request.method).append(" ").append(base.prefix).append(request.path).append(" HTTP/1.1\r\nHost: ");
  out.append(base.host);
  if (base.port != (base.scheme == "https" ? 443 : 80)) out.append(":").append(std::to_string(base.port));
  out.append("\r\nUser-Agent: keyward\r\n");
  for (const auto& [name, value] : request.headers) {
    out.append(name).append(": ");
    // A key read from a quoted .env value may hold "\n": it must not start a
    // header of its own. As spaces it is simply a key the provider refuses.
    for (char c : value) out.push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
    out.append("\r\n");
  }
  if (!request.body.empty())
    out.append("Content-Type: application/json\r\nContent-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  out.append("\r\n").append(request.body);
  return out;
}

}  // namespace

AttemptResult http_call(ClientPool& pool, const BaseUrl& base, const HttpRequest& request,
                        const HttpCallOptions& options, const BodyConsumer& on_2xx) {
  AttemptResult result;
  // Real time, not the injected Clock: a timeout is about the socket, and a
  // simulated clock does not move while a thread waits on one.
  const auto start = SteadyClock::now();
  const Millis timeout = std::max(options.timeout, Millis(1));
  const auto deadline = start + timeout;
  auto connection = pool.acquire(base, start + std::min(options.connect_timeout, timeout), deadline, &result.transport);
  if (!connection) return result;

  result.transport = connection->write_all(request_bytes(base, request), deadline);
  if (result.transport != TransportError::none) return result;

  Http1ResponseParser parser;
  // Body bytes: to the consumer for a 2xx when there is one, else into the
  // result; either way counted against the limit.
  size_t body_bytes = 0;
  TransportError abort_reason = TransportError::none;
  const auto sink = [&](const char* data, size_t size) {
    body_bytes += size;
    if (body_bytes > options.max_body_bytes) {
      abort_reason = TransportError::body_too_large;
      return false;
    }
    if (on_2xx && parser.status() >= 200 && parser.status() < 300) {
      abort_reason = on_2xx(data, size);
      return abort_reason == TransportError::none;
    }
    result.body.append(data, size);
    return true;
  };

  char buffer[16 << 10];
  Http1ResponseParser::Status status = Http1ResponseParser::Status::more;
  while (status == Http1ResponseParser::Status::more) {
    size_t got = 0;
    TransportError error = connection->read_some(buffer, sizeof buffer, deadline, &got);
    if (error != TransportError::none) {
      result.transport = error;
      break;
    }
    if (got == 0) {  // the provider closed the connection
      status = parser.finish();
      if (status == Http1ResponseParser::Status::more)
        // Cut short: mid-body it is a truncated answer, before that a reset.
        result.transport = parser.head_complete() ? TransportError::truncated_body : TransportError::connection_reset;
      break;
    }
    const bool had_head = parser.head_complete();
    status = parser.feed(std::string_view(buffer, got), sink);
    if (!had_head && parser.head_complete()) {
      result.status = parser.status();
      result.headers = parser.headers();
    }
  }
  if (status == Http1ResponseParser::Status::stopped) result.transport = abort_reason;
  if (status == Http1ResponseParser::Status::malformed) result.transport = TransportError::read_failed;
  if (result.transport == TransportError::none && parser.reusable()) pool.release(base, std::move(connection));
  // Otherwise the connection's state is unknown: dropped (closed) here.

  scrub_secret(result.body, request.secret);
  for (auto& [_, value] : result.headers) scrub_secret(value, request.secret);
  return result;
}

}  // namespace keyward::http
