#pragma once
// Every error the public API answers, in one table (Toxiproxy's typed errors):
// the code in the JSON body, the HTTP status, and the `type` of the OpenAI
// error envelope. Routes and the listener's own refusals pick a row; nothing
// else chooses a status code.
#include <nlohmann/json.hpp>
#include <string>

#include "router/core/chat_router.h"
#include "router/net/http_message.h"

namespace keyward::http {

enum class ApiErrorId {
  invalid_request,          // 400: malformed JSON, wrong types, a malformed HTTP request
  not_found,                // 404: no such route (or method)
  request_timeout,          // 408: head or body did not arrive in time
  payload_too_large,        // 413: body above body_limit
  header_fields_too_large,  // 431: head above max_head_bytes or max_headers
  not_implemented,          // 501: a Transfer-Encoding other than chunked
  overloaded,               // 503: the handler queue or the stream cap is full
  admin_disabled,           // 403: no KEYWARD_ADMIN_TOKEN configured
  unauthorized,             // 401: missing or wrong admin bearer token
  internal_error,           // 500: a handler failed
  // Outcomes without content. A provider's 4xx passes through (see
  // upstream_failure); otherwise 502.
  request_error,           // /api/ai/chat: the provider refused the request
  provider_error,          // /api/ai/chat: the provider's stream failed
  upstream_request_error,  // /v1: the provider refused the request
  upstream_stream_failed,  // /v1: the provider's stream failed
  emergency,               // 503: every provider failed (the code is the cause)
};

struct ApiError {
  const char* code;         // "payload_too_large"
  int http_status;          // 413
  const char* openai_type;  // "invalid_request_error"
};

// The one table.
const ApiError& api_error(ApiErrorId id);

// The row for an outcome without content (request_error, stream_failed) on the
// chat API or the OpenAI API: a provider's 4xx passes through as the status
// (type invalid_request_error: the caller's request was refused); else 502.
ApiError upstream_failure(const RouteOutcome& out, bool openai);

// The row for a request the listener refused itself.
ApiErrorId refusal_error(net::Refusal r);

// {"status":"error","error":code,"message":message}
nlohmann::json plain_error(const ApiError& e, const std::string& message);

}  // namespace keyward::http
