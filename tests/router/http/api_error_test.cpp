// The one table of API errors: the listener's refusals and the routes'
// errors take their status from it, and upstream failures pass a provider's
// 4xx through.
#include "router/http/api_error.h"

#include <gtest/gtest.h>

namespace keyward::http {
namespace {

TEST(ApiError, TheListenersRefusalsAnswerTheTablesStatus) {
  for (auto r : {net::Refusal::bad_request, net::Refusal::head_too_large, net::Refusal::too_many_headers,
                 net::Refusal::body_too_large, net::Refusal::head_timeout, net::Refusal::body_timeout,
                 net::Refusal::unsupported_framing}) {
    EXPECT_EQ(api_error(refusal_error(r)).http_status, net::refusal_status(r)) << net::to_string(r);
  }
  EXPECT_STREQ(api_error(refusal_error(net::Refusal::body_too_large)).code, "payload_too_large");
  EXPECT_STREQ(api_error(refusal_error(net::Refusal::too_many_headers)).code, "request_header_fields_too_large");
}

TEST(ApiError, UpstreamFailuresPassAProvidersClientErrorThrough) {
  RouteOutcome refused;
  refused.kind = RouteOutcome::Kind::request_error;
  refused.status = 422;
  ApiError chat = upstream_failure(refused, false), openai = upstream_failure(refused, true);
  EXPECT_EQ(chat.http_status, 422);
  EXPECT_STREQ(chat.code, "request_error");
  EXPECT_STREQ(openai.code, "upstream_request_error");
  EXPECT_STREQ(openai.openai_type, "invalid_request_error");

  RouteOutcome cut;
  cut.kind = RouteOutcome::Kind::stream_failed;
  cut.status = 200;
  EXPECT_EQ(upstream_failure(cut, true).http_status, 502);
  EXPECT_STREQ(upstream_failure(cut, true).openai_type, "api_error");
  EXPECT_STREQ(upstream_failure(cut, false).code, "provider_error");
}

TEST(ApiError, PlainErrorsHaveTheSameShapeAsBefore) {
  auto j = plain_error(api_error(ApiErrorId::not_found), "no route for GET /nope");
  EXPECT_EQ(j, (nlohmann::json{{"status", "error"}, {"error", "not_found"}, {"message", "no route for GET /nope"}}));
}

}  // namespace
}  // namespace keyward::http
