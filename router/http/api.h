#pragma once
// The public API's wire shapes: request parsing with messages that say what
// is wrong, and the JSON answers (success, cache, the founding scenario's
// emergency answer, OpenAI objects and error envelopes, the status document).
// Pure functions: no I/O, exception-free.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "router/core/chat_router.h"

namespace keyward::http {

// Serialises untrusted text without throwing (invalid UTF-8 is replaced).
std::string dump_json(const nlohmann::json& j);

struct RequestError {
  std::string message;  // "field 'message' must be a string"
  std::string param;    // the offending field, "" for the whole body
};

// POST /api/ai/chat {"message": "...", optional "system", "temperature", "max_tokens"}.
bool parse_chat_api(const std::string& body, ChatRequest* out, RequestError* error);
// POST /v1/chat/completions (OpenAI). `model` is optional and informational:
// the router picks the provider.
bool parse_openai_chat(const std::string& body, ChatRequest* out, RequestError* error);

// Words for the emergency answer: "Authentication failure on all AI keys".
const char* cause_words(EmergencyCause c);
// Seconds until the first key is usable (at least 1); `fallback` when the
// verdict names no moment.
int retry_after_seconds(const Verdict& v, WallTime now, Millis fallback);

// {"status":"success", "model", "content", "provider", "key_id", "source"} (+ cache fields).
nlohmann::json chat_api_answer(const RouteOutcome& out);
// The founding scenario's emergency JSON with the per-provider breakdown.
nlohmann::json emergency_answer(const Verdict& v, int retry_seconds, const std::string& support_url);
std::string emergency_content(const Verdict& v, int retry_seconds, const std::string& support_url);

nlohmann::json openai_error(const std::string& message, const std::string& type, const std::string& code,
                            const std::string& param = "");
nlohmann::json openai_completion(const RouteOutcome& out, const std::string& id, int64_t created);
// One chat.completion.chunk; `content` or `finish_reason` may be empty.
nlohmann::json openai_chunk(const std::string& id, int64_t created, const std::string& model,
                            const std::string& content, const std::string& finish_reason, bool role);

struct StatusInputs {
  const ChatRouter::Snapshot* snapshot = nullptr;
  bool ready = false;
  nlohmann::json incident;  // from the incident hook, or {"state":"none"}
  nlohmann::json channels;  // from the channels hook, or {}
  nlohmann::json stats;
};
nlohmann::json status_document(const StatusInputs& in);

// A minimal dashboard for when no renderer is wired in: the status JSON in a <pre>.
std::string default_dashboard_html(const nlohmann::json& status);

}  // namespace keyward::http
