// OpenAI itself (and the generic OpenAI-compatible kind): the lingua franca.
// 429 `insufficient_quota` means quota exhaustion, `rate_limit_exceeded` a
// short wait.
#include "base/durations.h"
#include "base/escape.h"
#include "fakes/providers/wire.h"

namespace keyward::fakes {
namespace {

constexpr std::uint32_t kDefaultRpm = 500;
constexpr std::uint32_t kTokensPerMinute = 200000;

class OpenAiWire final : public OpenAiCompatibleWire {
 public:
  ProviderKind kind() const override { return ProviderKind::openai; }
  const char* path_prefix() const override { return "/v1"; }
  const char* default_model() const override { return "gpt-4o-mini"; }

  Answer missing_key(const WireContext&) const override {
    return openai_error(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization "
        "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password "
        "field (with blank username) if you're accessing the API from your browser and are "
        "prompted for a username. You can obtain an API key from "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error", nullptr);
  }

  Answer key_rejected(KeyState state, const WireContext& ctx) const override {
    if (state == KeyState::suspended) {
      return openai_error(401,
                          "This key is associated with a deactivated account. If you feel this "
                          "is an error, contact us through our help center at help.openai.com.",
                          "invalid_request_error", "account_deactivated");
    }
    return openai_error(401,
                        "Incorrect API key provided: " + ctx.masked_key +
                            ". You can find your API key at "
                            "https://platform.openai.com/account/api-keys.",
                        "invalid_request_error", "invalid_api_key");
  }

  Answer rate_limited(std::chrono::milliseconds retry, std::uint32_t limit, std::uint32_t used,
                      const WireContext& ctx) const override {
    Answer a =
        openai_error(429,
                     "Rate limit reached for " + ctx.model +
                         " in organization org-fakekeyward on requests per min (RPM): Limit " +
                         std::to_string(limit) + ", Used " + std::to_string(used) +
                         ", Requested 1. Please try again in " + format_go_duration(retry) +
                         ". Visit https://platform.openai.com/account/rate-limits to learn more.",
                     "requests", "rate_limit_exceeded");
    a.headers.emplace_back("retry-after", std::to_string(ceil_seconds(retry)));
    return a;
  }

  Answer quota_exhausted(std::chrono::milliseconds, std::uint32_t, std::uint32_t,
                         const WireContext&) const override {
    // OpenAI gives no retry-after here: the quota comes back with billing,
    // not with time.
    return openai_error(429,
                        "You exceeded your current quota, please check your plan and billing "
                        "details. For more information on this error, read the docs: "
                        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                        "insufficient_quota", "insufficient_quota");
  }

  Answer status_error(int status, const WireContext& ctx) const override {
    const std::string& m = ctx.message;
    switch (status) {
      case 401:
        return key_rejected(KeyState::invalid, ctx);
      case 429:
        return rate_limited(std::chrono::seconds(1), kDefaultRpm, kDefaultRpm, ctx);
      case 500:
        return openai_error(500,
                            m.empty() ? "The server had an error while processing your request. "
                                        "Sorry about that!"
                                      : m,
                            "server_error", nullptr);
      case 503:
        return openai_error(503,
                            m.empty() ? "The engine is currently overloaded, please try again "
                                        "later."
                                      : m,
                            "server_error", nullptr);
      default:
        return openai_error(status,
                            m.empty() ? "Request failed with status " + std::to_string(status) : m,
                            status >= 500 ? "server_error" : "invalid_request_error", nullptr);
    }
  }

  Answer not_found(const std::string& method, const std::string& path,
                   const WireContext&) const override {
    return openai_error(404,
                        "Unknown request URL: " + method + " " + printable_ascii(path) +
                            ". Please check the URL for typos, or see the docs at "
                            "https://platform.openai.com/docs/api-reference/.",
                        "invalid_request_error", "unknown_url");
  }

  void add_rate_headers(Answer& a, const RateInfo& r) const override {
    std::uint32_t rpm = r.rpm_limit ? r.rpm_limit : kDefaultRpm;
    std::uint32_t left = r.rpm_used >= rpm ? 0 : rpm - r.rpm_used;
    a.headers.emplace_back("x-ratelimit-limit-requests", std::to_string(rpm));
    a.headers.emplace_back("x-ratelimit-limit-tokens", std::to_string(kTokensPerMinute));
    a.headers.emplace_back("x-ratelimit-remaining-requests", std::to_string(left));
    a.headers.emplace_back("x-ratelimit-remaining-tokens",
                           std::to_string(kTokensPerMinute - std::min(r.tokens, kTokensPerMinute)));
    a.headers.emplace_back("x-ratelimit-reset-requests", format_go_duration(r.rpm_reset));
    a.headers.emplace_back(
        "x-ratelimit-reset-tokens",
        format_go_duration(std::chrono::milliseconds(60'000LL * r.tokens / kTokensPerMinute)));
  }

 protected:
  Answer bad_json(const std::string&, const WireContext&) const override {
    return openai_error(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
        "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
        "sent was not valid JSON. If you have trouble figuring out how to fix this, please "
        "contact us through our help center at help.openai.com.)",
        "invalid_request_error", nullptr);
  }
  Answer missing_messages(const WireContext&) const override {
    Answer a = openai_error(400, "Missing required parameter: 'messages'.", "invalid_request_error",
                            "missing_required_parameter");
    auto j = nlohmann::json::parse(a.body);
    j["error"]["param"] = "messages";
    a.body = j.dump();
    return a;
  }
  nlohmann::json model_entry(const std::string& model, const WireContext&) const override {
    return {{"id", model}, {"object", "model"}, {"created", 1721172741}, {"owned_by", "system"}};
  }
};

}  // namespace

std::unique_ptr<Wire> make_openai_wire() { return std::make_unique<OpenAiWire>(); }

}  // namespace keyward::fakes
