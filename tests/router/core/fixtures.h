#pragma once
// Shared fixtures for core tests: the founding scenario's six keys and canned
// provider answers, copied from the real shapes collected in the team's
// provider notes (../shared/docs/PROVIDER_WIRE_FORMATS.md, outside this
// repository).
#include <string>

#include "base/utc_time.h"
#include "router/core/classifier.h"
#include "router/core/config.h"
#include "router/core/env_file.h"

namespace keyward::test {

inline WallTime at(const std::string& iso) {
  WallTime t;
  parse_iso8601(iso, &t);
  return t;
}

inline const char* kFoundingEnv =
    "GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\n"
    "GROQ_API_KEY_2=sk-proj-EXPIRED-BBB\n"
    "GROQ_API_KEY_3=sk-proj-EXPIRED-CCC\n"
    "GEMINI_API_KEY_1=AIza-EXPIRED-XXX\n"
    "GEMINI_API_KEY_2=AIza-EXPIRED-YYY\n"
    "MISTRAL_API_KEY_1=msk-EXPIRED-ZZZ\n";

inline RouterConfig founding_config() {
  RouterConfig c = default_config();
  apply_env(c, parse_env(kFoundingEnv, ".env").entries, {});
  return c;
}

inline AttemptResult http(int status, std::string body, Headers headers = {}) {
  AttemptResult r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

inline AttemptResult groq_401() {
  return http(401, R"({"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}})");
}
inline AttemptResult gemini_400_invalid() {
  return http(400, R"({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}})");
}
inline AttemptResult mistral_401() { return http(401, R"({"message":"Unauthorized","request_id":"c61f2f15"})"); }
inline AttemptResult ok_200() { return http(200, R"({"choices":[{"message":{"content":"hi"}}]})"); }
inline AttemptResult outage_503() {
  return http(503, R"({"error":{"message":"Service Unavailable","type":"internal_server_error"}})");
}

}  // namespace keyward::test
