#pragma once
// A provider's wire format: everything that differs between Groq, Gemini,
// Mistral and OpenAI — routes, auth header, success and error bodies, status
// codes, headers, streaming framing. FakeProvider owns the behaviour (state,
// limits, faults); a Wire only renders. Facts: PROVIDER_WIRE_FORMATS.md.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "fakes/key_state.h"

namespace keyward::fakes {

// One HTTP answer, fully rendered.
struct Answer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

// A streamed answer: frames written one by one (one HTTP chunk each).
struct StreamAnswer {
  std::string content_type = "text/event-stream";
  std::vector<std::string> frames;  // complete frames, separators included
};

enum class Route { chat, models, not_found };

struct RouteMatch {
  Route route = Route::not_found;
  bool stream_by_path = false;  // Gemini :streamGenerateContent
  std::string model;            // Gemini: from the path
};

// A parsed chat request.
struct ChatRequest {
  std::string model;              // as requested; empty = the fake's model
  std::string prompt;             // text of the last user message
  std::size_t prompt_tokens = 0;  // rough: words in every message
  bool stream = false;
  bool include_usage = false;  // OpenAI stream_options.include_usage
  bool sse = true;             // Gemini streaming: alt=sse (else a JSON array)
};

// Facts about the current request that the renderers need.
struct WireContext {
  std::string provider_name;
  std::string model;  // the model to report (requested or the fake's)
  WallTime now;
  std::string request_id;  // deterministic per provider seed and request number
  std::string masked_key;  // for messages that quote the key
  int variant = 0;         // which of two real shapes, where a provider has two
  std::string message;     // status faults: optional text override
};

// Rate-limit facts for the per-response headers (Groq/Mistral/OpenAI).
struct RateInfo {
  std::uint32_t rpm_limit = 0;  // 0 = unlimited
  std::uint32_t rpm_used = 0;
  std::chrono::milliseconds rpm_reset{0};
  std::uint32_t rpd_limit = 0;  // 0 = unlimited
  std::uint32_t rpd_used = 0;
  std::chrono::milliseconds rpd_reset{0};
  std::uint32_t tokens = 0;  // tokens this request spent
};

class Wire {
 public:
  virtual ~Wire() = default;
  virtual ProviderKind kind() const = 0;
  // "/openai/v1", "/v1beta", "/v1".
  virtual const char* path_prefix() const = 0;
  virtual const char* default_model() const = 0;
  virtual RouteMatch route(const std::string& method, const std::string& path) const = 0;
  // The API key as sent (Bearer, x-goog-api-key, ?key=); empty when none.
  virtual std::string api_key(const httplib::Request& req) const = 0;
  // Parses a chat body; on failure fills `error` with the provider's 400 shape.
  virtual bool parse_chat(const httplib::Request& req, const RouteMatch& route, ChatRequest& out,
                          Answer& error, const WireContext& ctx) const = 0;
  virtual Answer chat(const ChatRequest& req, const std::string& content,
                      const WireContext& ctx) const = 0;
  // `pieces` concatenate to the content.
  virtual StreamAnswer chat_stream(const ChatRequest& req, const std::vector<std::string>& pieces,
                                   const WireContext& ctx) const = 0;
  virtual Answer models(const WireContext& ctx) const = 0;
  virtual Answer missing_key(const WireContext& ctx) const = 0;
  // For states where is_auth_failure(state).
  virtual Answer key_rejected(KeyState state, const WireContext& ctx) const = 0;
  // Short per-minute limit; `limit`/`used` quote the window, `retry` is the wait.
  virtual Answer rate_limited(std::chrono::milliseconds retry, std::uint32_t limit,
                              std::uint32_t used, const WireContext& ctx) const = 0;
  // Daily/billing quota: exhausted until `retry` (the next midnight UTC).
  virtual Answer quota_exhausted(std::chrono::milliseconds retry, std::uint32_t limit,
                                 std::uint32_t used, const WireContext& ctx) const = 0;
  // Any status code in the provider's own error envelope (status faults).
  virtual Answer status_error(int status, const WireContext& ctx) const = 0;
  virtual Answer not_found(const std::string& method, const std::string& path,
                           const WireContext& ctx) const = 0;
  // Headers every answer carries (Groq's x-ratelimit-*, ...).
  virtual void add_rate_headers(Answer& answer, const RateInfo& info) const {
    (void)answer;
    (void)info;
  }
};

std::unique_ptr<Wire> make_wire(ProviderKind kind);
std::unique_ptr<Wire> make_groq_wire();
std::unique_ptr<Wire> make_gemini_wire();
std::unique_ptr<Wire> make_mistral_wire();
std::unique_ptr<Wire> make_openai_wire();

// The deterministic answer text for a prompt: a short sentence chosen by a
// hash of (provider name, seed, prompt) that echoes the prompt's first words,
// e.g. `Sure, here is a calm answer about "Help me fix" (groq 3f2a91c0).`
std::string answer_text(const std::string& provider_name, std::uint64_t seed,
                        const std::string& prompt);
// Splits text into stream pieces of about two words each (spaces kept).
std::vector<std::string> stream_pieces(const std::string& text);
// Whole seconds, rounded up (Retry-After), at least 1.
long long ceil_seconds(std::chrono::milliseconds d);

// The OpenAI-compatible family (Groq, Mistral, OpenAI): shared routes, auth,
// request parsing and success shapes; errors are per provider.
class OpenAiCompatibleWire : public Wire {
 public:
  RouteMatch route(const std::string& method, const std::string& path) const override;
  std::string api_key(const httplib::Request& req) const override;
  bool parse_chat(const httplib::Request& req, const RouteMatch& route, ChatRequest& out,
                  Answer& error, const WireContext& ctx) const override;
  Answer chat(const ChatRequest& req, const std::string& content,
              const WireContext& ctx) const override;
  StreamAnswer chat_stream(const ChatRequest& req, const std::vector<std::string>& pieces,
                           const WireContext& ctx) const override;
  Answer models(const WireContext& ctx) const override;

 protected:
  // The provider's 400 for a body that is not JSON / lacks messages.
  virtual Answer bad_json(const std::string& detail, const WireContext& ctx) const = 0;
  virtual Answer missing_messages(const WireContext& ctx) const = 0;
  virtual nlohmann::json model_entry(const std::string& model, const WireContext& ctx) const = 0;
  // Provider extras on the success object / the last stream chunk (Groq's x_groq).
  virtual void decorate_completion(nlohmann::json& completion, const WireContext& ctx) const {
    (void)completion;
    (void)ctx;
  }
  virtual void decorate_last_chunk(nlohmann::json& chunk, const nlohmann::json& usage,
                                   const WireContext& ctx) const {
    (void)chunk;
    (void)usage;
    (void)ctx;
  }
  // OpenAI's envelope {"error":{"message","type","param","code"}}.
  static Answer openai_error(int status, const std::string& message, const std::string& type,
                             const nlohmann::json& code, bool with_param = true);
  static nlohmann::json usage_json(std::size_t prompt_tokens, std::size_t completion_tokens);
};

}  // namespace keyward::fakes
