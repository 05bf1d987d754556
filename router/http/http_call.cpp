#include "router/http/http_call.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include "router/core/secret.h"
#include "router/http/http_error.h"

namespace keyward::http {

void scrub_secret(std::string& text, const std::string& secret) {
  if (secret.size() < 4) return;  // too short to be a real key; masking would mangle text
  const std::string masked = mask_secret(secret);
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + masked.size()))
    text.replace(pos, secret.size(), masked);
}

AttemptResult http_call(ClientPool& pool, const BaseUrl& base, const HttpRequest& request,
                        const HttpCallOptions& options, const BodyConsumer& on_2xx) {
  using SteadyClock = std::chrono::steady_clock;
  AttemptResult result;
  auto client = pool.acquire(base);
  const Millis timeout = std::max(options.timeout, Millis(1));
  client->set_connection_timeout(std::min(options.connect_timeout, timeout));
  client->set_read_timeout(timeout);
  client->set_write_timeout(timeout);

  httplib::Request req;
  req.method = request.method;
  req.path = base.prefix + request.path;
  req.headers = request.headers;
  if (!request.body.empty()) {
    req.body = request.body;
    req.set_header("Content-Type", "application/json");
  }

  // Real time, not the injected Clock: a timeout is about the socket, and a
  // simulated clock does not move while a thread waits on one.
  const auto start = SteadyClock::now();
  const auto deadline = start + timeout;
  bool got_response = false;
  size_t body_bytes = 0;
  TransportError abort_reason = TransportError::none;
  req.response_handler = [&](const httplib::Response& r) {
    got_response = true;
    result.status = r.status;
    for (const auto& [name, value] : r.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      result.headers.emplace_back(std::move(lower), value);
    }
    return true;
  };
  req.content_receiver = [&](const char* data, size_t size, uint64_t, uint64_t) {
    // The read timeout bounds each read; this bounds the whole (slow-drip) body.
    if (SteadyClock::now() > deadline) {
      abort_reason = TransportError::timeout;
      return false;
    }
    body_bytes += size;
    if (body_bytes > options.max_body_bytes) {
      abort_reason = TransportError::body_too_large;
      return false;
    }
    if (on_2xx && result.status >= 200 && result.status < 300) {
      abort_reason = on_2xx(data, size);
      return abort_reason == TransportError::none;
    }
    result.body.append(data, size);
    return true;
  };

  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  // The read timeout bounds each read, the content receiver the body; only
  // the watchdog can cut a provider that trickles its status line or headers.
  const uint64_t watch = pool.watchdog().arm(client.get(), deadline);
  bool ok = client->send(req, res, err);
  const bool cut_by_watchdog = pool.watchdog().disarm(watch);
  const bool deadline_passed = cut_by_watchdog || SteadyClock::now() >= deadline - Millis(5);
  if (cut_by_watchdog && ok && err == httplib::Error::Success) {
    // Complete just as the deadline fired: the answer stands, but the socket
    // was shut down, so the connection is not reused.
  } else if (!ok || err != httplib::Error::Success) {
    if (abort_reason != TransportError::none) {
      result.transport = abort_reason;
    } else if (got_response && err == httplib::Error::Read && !deadline_passed) {
      // Headers arrived, then the peer closed before the body was complete.
      result.transport = TransportError::truncated_body;
    } else {
      result.transport = map_httplib_error(err, deadline_passed);
    }
    // The connection's state is unknown: drop it (the unique_ptr closes it).
  } else {
    pool.release(base, std::move(client));
  }
  scrub_secret(result.body, request.secret);
  for (auto& [_, value] : result.headers) scrub_secret(value, request.secret);
  return result;
}

}  // namespace keyward::http
