#pragma once
// One HTTP exchange with a provider over a pooled keep-alive connection,
// turned into an AttemptResult: bounded body, per-call timeout, streaming
// bodies handed to a consumer only once the status is known to be 2xx.
#include <cstddef>
#include <functional>
#include <string>

#include "router/core/classifier.h"
#include "router/http/client_pool.h"

namespace keyward::http {

struct HttpCallOptions {
  Millis timeout{10'000};         // whole call: connect, send, every read, and the total
  Millis connect_timeout{2'000};  // capped by `timeout`
  size_t max_body_bytes = 8 << 20;
};

// Receives 2xx body bytes as they arrive. Returns TransportError::none to go
// on, anything else to abort the call with that error.
using BodyConsumer = std::function<TransportError(const char* data, size_t size)>;

struct HttpRequest {
  const char* method = "GET";
  std::string path;  // after the base URL's prefix, with query
  Headers headers;  // CR, LF and NUL in values are sent as spaces
  std::string body;  // sent as application/json when not empty
  // The raw key: scrubbed from the returned body and headers (a provider
  // that quotes the key back must not leak it into logs or the journal).
  std::string secret;
};

// `on_2xx` null: a 2xx body is returned in AttemptResult::body.
AttemptResult http_call(ClientPool& pool, const BaseUrl& base, const HttpRequest& request,
                        const HttpCallOptions& options, const BodyConsumer& on_2xx);

// Replaces every occurrence of `secret` in `text` with its masked form.
void scrub_secret(std::string& text, const std::string& secret);

}  // namespace keyward::http
