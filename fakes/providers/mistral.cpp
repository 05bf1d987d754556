// Mistral: OpenAI-compatible under /v1, but with its own error bodies — two
// real 401 shapes and two real 429 shapes (WireContext::variant picks), and
// per-minute rate headers.
#include "fakes/providers/wire.h"

namespace keyward::fakes {
namespace {

constexpr std::uint32_t kDefaultRpm = 60;
constexpr std::uint32_t kTokensPerMinute = 500000;

class MistralWire final : public OpenAiCompatibleWire {
 public:
  ProviderKind kind() const override { return ProviderKind::mistral; }
  const char* path_prefix() const override { return "/v1"; }
  const char* default_model() const override { return "mistral-small-latest"; }

  Answer missing_key(const WireContext& ctx) const override { return unauthorized(ctx); }
  Answer key_rejected(KeyState, const WireContext& ctx) const override { return unauthorized(ctx); }
  Answer rate_limited(std::chrono::milliseconds, std::uint32_t, std::uint32_t,
                      const WireContext& ctx) const override {
    return too_many(ctx);
  }
  // Mistral has no separate "quota" shape: its quota answers are the same
  // 429s, so a router cannot tell them from a short rate limit.
  Answer quota_exhausted(std::chrono::milliseconds, std::uint32_t, std::uint32_t,
                         const WireContext& ctx) const override {
    return too_many(ctx);
  }

  Answer status_error(int status, const WireContext& ctx) const override {
    if (status == 401) return unauthorized(ctx);
    if (status == 429) return too_many(ctx);
    std::string msg = ctx.message;
    const char* type = "invalid_request_error";
    if (msg.empty()) {
      msg = status == 503   ? "Service unavailable"
            : status == 502 ? "Bad gateway"
            : status == 504 ? "Gateway timeout"
            : status >= 500 ? "Internal server error"
                            : "Request failed";
    }
    if (status >= 500) type = "internal_server_error";
    return object_error(status, msg, type, nullptr);
  }

  Answer not_found(const std::string&, const std::string&, const WireContext&) const override {
    Answer a;
    a.status = 404;
    a.body = R"({"detail":"Not Found"})";
    return a;
  }

  void add_rate_headers(Answer& a, const RateInfo& r) const override {
    std::uint32_t rpm = r.rpm_limit ? r.rpm_limit : kDefaultRpm;
    std::uint32_t left = r.rpm_used >= rpm ? 0 : rpm - r.rpm_used;
    a.headers.emplace_back("x-ratelimit-limit-req-minute", std::to_string(rpm));
    a.headers.emplace_back("x-ratelimit-remaining-req-minute", std::to_string(left));
    a.headers.emplace_back("x-ratelimit-limit-tokens-minute", std::to_string(kTokensPerMinute));
    a.headers.emplace_back("x-ratelimit-remaining-tokens-minute",
                           std::to_string(kTokensPerMinute - std::min(r.tokens, kTokensPerMinute)));
  }

 protected:
  Answer bad_json(const std::string&, const WireContext&) const override {
    return object_error(400, "Invalid JSON body", "invalid_request_error", nullptr);
  }
  Answer missing_messages(const WireContext&) const override {
    // Mistral validates bodies with pydantic: a missing field is a 422 listing it.
    nlohmann::json detail = nlohmann::json::array(
        {{{"type", "missing"}, {"loc", {"body", "messages"}}, {"msg", "Field required"}}});
    return object_error(422, nlohmann::json{{"detail", detail}}, "invalid_request_error", nullptr);
  }
  nlohmann::json model_entry(const std::string& model, const WireContext&) const override {
    // `type` discriminates base and fine-tuned cards: Mistral's SDKs cannot
    // parse a card without it.
    return {{"id", model},
            {"object", "model"},
            {"created", 1732201200},
            {"owned_by", "mistralai"},
            {"capabilities",
             {{"completion_chat", true},
              {"completion_fim", false},
              {"function_calling", true},
              {"fine_tuning", false},
              {"vision", false},
              {"classification", false}}},
            {"name", model},
            {"description", "A fake Mistral model that answers deterministically."},
            {"max_context_length", 32768},
            {"aliases", nlohmann::json::array()},
            {"deprecation", nullptr},
            {"default_model_temperature", 0.3},
            {"type", "base"}};
  }
  void decorate_completion(nlohmann::json& j, const WireContext&) const override {
    j["choices"][0]["message"]["tool_calls"] = nullptr;
  }

 private:
  static Answer object_error(int status, const nlohmann::json& message, const char* type,
                             const nlohmann::json& code) {
    Answer a;
    a.status = status;
    a.body = nlohmann::json{
        {"object", "error"},
        {"message", message},
        {"type", type},
        {"param", nullptr},
        {"code",
         code}}.dump();
    return a;
  }
  static Answer unauthorized(const WireContext& ctx) {
    Answer a;
    a.status = 401;
    if (ctx.variant == 0) {
      a.body = R"({"detail":"Unauthorized"})";
    } else {
      a.body = nlohmann::json{{"message", "Unauthorized"}, {"request_id", ctx.request_id}}.dump();
    }
    return a;
  }
  static Answer too_many(const WireContext& ctx) {
    Answer a;
    a.status = 429;
    if (ctx.variant == 0) {
      a.body = R"({"message":"Requests rate limit exceeded"})";
    } else {
      a = object_error(429, "Rate limit exceeded", "rate_limited", "1300");
    }
    return a;
  }
};

}  // namespace

std::unique_ptr<Wire> make_mistral_wire() { return std::make_unique<MistralWire>(); }

}  // namespace keyward::fakes
