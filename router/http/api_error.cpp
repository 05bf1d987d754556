#include "router/http/api_error.h"

#include <array>

namespace keyward::http {

namespace {

constexpr size_t kRows = static_cast<size_t>(ApiErrorId::emergency) + 1;

// Indexed by ApiErrorId; the order is checked by api_error().
struct Row {
  ApiErrorId id;
  ApiError error;
};
constexpr std::array<Row, kRows> kTable{{
    {ApiErrorId::invalid_request, {"invalid_request", 400, "invalid_request_error"}},
    {ApiErrorId::not_found, {"not_found", 404, "invalid_request_error"}},
    {ApiErrorId::request_timeout, {"request_timeout", 408, "invalid_request_error"}},
    {ApiErrorId::payload_too_large, {"payload_too_large", 413, "invalid_request_error"}},
    {ApiErrorId::header_fields_too_large, {"request_header_fields_too_large", 431, "invalid_request_error"}},
    {ApiErrorId::not_implemented, {"not_implemented", 501, "invalid_request_error"}},
    {ApiErrorId::overloaded, {"overloaded", 503, "service_unavailable"}},
    {ApiErrorId::admin_disabled, {"admin_disabled", 403, "permission_error"}},
    {ApiErrorId::unauthorized, {"unauthorized", 401, "authentication_error"}},
    {ApiErrorId::internal_error, {"internal_error", 500, "api_error"}},
    {ApiErrorId::request_error, {"request_error", 502, "api_error"}},
    {ApiErrorId::provider_error, {"provider_error", 502, "api_error"}},
    {ApiErrorId::upstream_request_error, {"upstream_request_error", 502, "api_error"}},
    {ApiErrorId::upstream_stream_failed, {"upstream_stream_failed", 502, "api_error"}},
    {ApiErrorId::emergency, {"emergency", 503, "service_unavailable"}},
}};

constexpr bool table_in_order() {
  for (size_t i = 0; i < kTable.size(); ++i)
    if (static_cast<size_t>(kTable[i].id) != i) return false;
  return true;
}
static_assert(table_in_order(), "kTable rows must follow ApiErrorId's order");

}  // namespace

const ApiError& api_error(ApiErrorId id) { return kTable[static_cast<size_t>(id)].error; }

ApiError upstream_failure(const RouteOutcome& out, bool openai) {
  bool refused = out.kind == RouteOutcome::Kind::request_error;
  ApiErrorId id = openai ? (refused ? ApiErrorId::upstream_request_error : ApiErrorId::upstream_stream_failed)
                         : (refused ? ApiErrorId::request_error : ApiErrorId::provider_error);
  ApiError e = api_error(id);
  if (out.status >= 400 && out.status < 500) {
    e.http_status = out.status;
    e.openai_type = api_error(ApiErrorId::invalid_request).openai_type;
  }
  return e;
}

ApiErrorId refusal_error(net::Refusal r) {
  switch (r) {
    case net::Refusal::bad_request:
      return ApiErrorId::invalid_request;
    case net::Refusal::head_too_large:
    case net::Refusal::too_many_headers:
      return ApiErrorId::header_fields_too_large;
    case net::Refusal::body_too_large:
      return ApiErrorId::payload_too_large;
    case net::Refusal::head_timeout:
    case net::Refusal::body_timeout:
      return ApiErrorId::request_timeout;
    case net::Refusal::unsupported_framing:
      return ApiErrorId::not_implemented;
  }
  return ApiErrorId::invalid_request;
}

nlohmann::json plain_error(const ApiError& e, const std::string& message) {
  return nlohmann::json{{"status", "error"}, {"error", e.code}, {"message", message}};
}

}  // namespace keyward::http
