// Groq: OpenAI-compatible under /openai/v1, with x-ratelimit-* headers on every
// answer, retry-after on 429s, and 429 messages naming the limit (RPM, RPD,
// TPD) — the per-day ones meaning "exhausted until the daily reset".
#include "base/durations.h"
#include "base/escape.h"
#include "fakes/providers/wire.h"

namespace keyward::fakes {
namespace {

constexpr std::uint32_t kTokensPerMinute = 6000;  // Groq free tier TPM
constexpr std::uint32_t kDefaultRequestsPerDay = 14400;

class GroqWire final : public OpenAiCompatibleWire {
 public:
  ProviderKind kind() const override { return ProviderKind::groq; }
  const char* path_prefix() const override { return "/openai/v1"; }
  const char* default_model() const override { return "llama-3.3-70b-versatile"; }

  Answer missing_key(const WireContext&) const override { return invalid_key(); }

  Answer key_rejected(KeyState state, const WireContext&) const override {
    if (state == KeyState::suspended) {
      // Groq answers a restricted organization with a 400, not a 401: a router
      // must recognise the code, not only the status.
      return openai_error(400,
                          "Organization has been restricted. Please reach out to support if "
                          "you believe this was in error.",
                          "invalid_request_error", "organization_restricted", false);
    }
    return invalid_key();
  }

  Answer rate_limited(std::chrono::milliseconds retry, std::uint32_t limit, std::uint32_t used,
                      const WireContext& ctx) const override {
    return limit_error(retry, "requests per minute (RPM)", limit, used, ctx);
  }

  Answer quota_exhausted(std::chrono::milliseconds retry, std::uint32_t limit, std::uint32_t used,
                         const WireContext& ctx) const override {
    // Variant 1: the tokens-per-day limit, Groq's other daily 429 (type
    // "tokens"; the request's own tokens are named as Requested).
    if (ctx.variant == 1) return limit_error(retry, "tokens per day (TPD)", 100000, 99858, ctx, "tokens", 1149);
    return limit_error(retry, "requests per day (RPD)", limit, used, ctx);
  }

  Answer status_error(int status, const WireContext& ctx) const override {
    std::string msg = ctx.message;
    if (status == 429) {
      // A fault's own text (e.g. a wait quoted only as "try again in 6m7.2s").
      if (!msg.empty()) {
        Answer a = openai_error(429, msg, "requests", "rate_limit_exceeded", false);
        a.headers.emplace_back("retry-after", "2");
        return a;
      }
      return limit_error(std::chrono::seconds(2), "requests per minute (RPM)", 30, 30, ctx);
    }
    if (status == 401) return invalid_key();
    if (status == 498) {
      return openai_error(498,
                          msg.empty() ? "Flex tier capacity exceeded. This is a known issue, "
                                        "please try again later."
                                      : msg,
                          "capacity_exceeded", "capacity_exceeded", false);
    }
    if (status == 413) {
      return openai_error(413, msg.empty() ? "Request Entity Too Large" : msg,
                          "invalid_request_error", "request_too_large", false);
    }
    if (status >= 500) {
      const char* text = status == 503   ? "Service Unavailable"
                         : status == 502 ? "Bad Gateway"
                                         : "Internal Server Error";
      return openai_error(status, msg.empty() ? text : msg,
                          status == 503 ? "service_unavailable" : "internal_server_error", nullptr,
                          false);
    }
    return openai_error(status, msg.empty() ? "Request failed" : msg, "invalid_request_error",
                        nullptr, false);
  }

  Answer not_found(const std::string& method, const std::string& path,
                   const WireContext&) const override {
    return openai_error(404,
                        "Unknown request URL: " + method + " " + printable_ascii(path) +
                            ". Please check the URL for typos, or see the docs at "
                            "https://console.groq.com/docs/",
                        "invalid_request_error", "unknown_url", false);
  }

  void add_rate_headers(Answer& a, const RateInfo& r) const override {
    // Groq's request headers describe the per-day window, token headers the
    // per-minute one.
    std::uint32_t rpd = r.rpd_limit ? r.rpd_limit : kDefaultRequestsPerDay;
    std::uint32_t rpd_left = r.rpd_used >= rpd ? 0 : rpd - r.rpd_used;
    std::uint32_t tok_left = r.tokens >= kTokensPerMinute ? 0 : kTokensPerMinute - r.tokens;
    auto tok_reset = std::chrono::milliseconds(60'000LL * r.tokens / kTokensPerMinute);
    a.headers.emplace_back("x-ratelimit-limit-requests", std::to_string(rpd));
    a.headers.emplace_back("x-ratelimit-limit-tokens", std::to_string(kTokensPerMinute));
    a.headers.emplace_back("x-ratelimit-remaining-requests", std::to_string(rpd_left));
    a.headers.emplace_back("x-ratelimit-remaining-tokens", std::to_string(tok_left));
    a.headers.emplace_back("x-ratelimit-reset-requests",
                           format_go_duration(r.rpd_used ? std::chrono::milliseconds(86'400'000 / rpd)
                                                  : std::chrono::milliseconds(0)));
    a.headers.emplace_back("x-ratelimit-reset-tokens", format_go_duration(tok_reset));
  }

 protected:
  Answer bad_json(const std::string& detail, const WireContext&) const override {
    return openai_error(400, "Failed to parse request body: " + detail, "invalid_request_error",
                        nullptr, false);
  }
  Answer missing_messages(const WireContext&) const override {
    return openai_error(400, "'messages' : property 'messages' is missing", "invalid_request_error",
                        nullptr, false);
  }
  nlohmann::json model_entry(const std::string& model, const WireContext&) const override {
    return {{"id", model},           {"object", "model"}, {"created", 1733447754},
            {"owned_by", "Meta"},    {"active", true},    {"context_window", 131072},
            {"public_apps", nullptr}};
  }
  void decorate_completion(nlohmann::json& j, const WireContext& ctx) const override {
    j["system_fingerprint"] = "fp_fake";
    j["x_groq"] = {{"id", "req_" + ctx.request_id}};
  }
  void decorate_last_chunk(nlohmann::json& chunk, const nlohmann::json& usage,
                           const WireContext& ctx) const override {
    // Groq reports usage in the last chunk under x_groq.
    chunk["x_groq"] = {{"id", "req_" + ctx.request_id}, {"usage", usage}};
  }

 private:
  static Answer invalid_key() {
    return openai_error(401, "Invalid API Key", "invalid_request_error", "invalid_api_key", false);
  }
  static Answer limit_error(std::chrono::milliseconds retry, const std::string& which,
                            std::uint32_t limit, std::uint32_t used, const WireContext& ctx,
                            const char* type = "requests", std::uint32_t requested = 1) {
    std::string msg = "Rate limit reached for model `" + ctx.model +
                      "` in organization `org_01fakekeywardfakeorg00000` service tier "
                      "`on_demand` on " +
                      which + ": Limit " + std::to_string(limit) + ", Used " +
                      std::to_string(used) + ", Requested " + std::to_string(requested) +
                      ". Please try again in " +
                      format_go_duration(retry) +
                      ". Need more tokens? Upgrade to Dev Tier today at "
                      "https://console.groq.com/settings/billing";
    Answer a = openai_error(429, msg, type, "rate_limit_exceeded", false);
    a.headers.emplace_back("retry-after", std::to_string(ceil_seconds(retry)));
    return a;
  }
};

}  // namespace

std::unique_ptr<Wire> make_groq_wire() { return std::make_unique<GroqWire>(); }

}  // namespace keyward::fakes
