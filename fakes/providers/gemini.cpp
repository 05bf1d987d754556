// Gemini (generativelanguage.googleapis.com/v1beta): its own routes
// (models/{model}:generateContent, :streamGenerateContent?alt=sse), key in
// x-goog-api-key or ?key=, google.rpc error envelopes — a bad key is a 400
// API_KEY_INVALID, quota is a 429 RESOURCE_EXHAUSTED whose quotaId says
// PerDay or PerMinute — and SSE frames with no [DONE].
#include "base/escape.h"
#include "fakes/providers/wire.h"

namespace keyward::fakes {
namespace {

const char* rpc_status(int code) {
  switch (code) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 500:
      return "INTERNAL";
    case 501:
      return "NOT_IMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return code >= 500 ? "UNKNOWN" : "FAILED_PRECONDITION";
  }
}

Answer google_error(int code, const std::string& message,
                    nlohmann::json details = nlohmann::json()) {
  nlohmann::json e{{"code", code}, {"message", message}, {"status", rpc_status(code)}};
  if (!details.is_null()) e["details"] = std::move(details);
  Answer a;
  a.status = code;
  a.body = nlohmann::json{{"error", e}}.dump();
  return a;
}

nlohmann::json error_info(const std::string& reason, nlohmann::json metadata) {
  return {{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
          {"reason", reason},
          {"domain", "googleapis.com"},
          {"metadata", std::move(metadata)}};
}

nlohmann::json localized(const std::string& message) {
  return {{"@type", "type.googleapis.com/google.rpc.LocalizedMessage"},
          {"locale", "en-US"},
          {"message", message}};
}

std::size_t count_words(const std::string& s) {
  std::size_t n = 0;
  bool in = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in) ++n;
    in = !space;
  }
  return n;
}

std::string parts_text(const nlohmann::json& content) {
  std::string out;
  if (!content.is_object()) return out;
  auto parts = content.find("parts");
  if (parts == content.end() || !parts->is_array()) return out;
  for (const auto& p : *parts) {
    if (p.is_object() && p.contains("text") && p["text"].is_string()) {
      if (!out.empty()) out += " ";
      out += p["text"].get<std::string>();
    }
  }
  return out;
}

class GeminiWire final : public Wire {
 public:
  ProviderKind kind() const override { return ProviderKind::gemini; }
  const char* path_prefix() const override { return "/v1beta"; }
  const char* default_model() const override { return "gemini-1.5-flash"; }

  RouteMatch route(const std::string& method, const std::string& path) const override {
    RouteMatch m;
    static const std::string kModels = "/v1beta/models";
    if (path.compare(0, kModels.size(), kModels) != 0) return m;
    std::string rest = path.substr(kModels.size());
    if (rest.empty()) {
      if (method == "GET") m.route = Route::models;
      return m;
    }
    if (method != "POST" || rest[0] != '/') return m;
    auto colon = rest.find(':');
    if (colon == std::string::npos || colon < 2) return m;
    std::string verb = rest.substr(colon + 1);
    m.model = printable_ascii(rest.substr(1, colon - 1));
    if (verb == "generateContent") {
      m.route = Route::chat;
    } else if (verb == "streamGenerateContent") {
      m.route = Route::chat;
      m.stream_by_path = true;
    }
    return m;
  }

  std::string api_key(const httplib::Request& req) const override {
    auto k = req.get_header_value("x-goog-api-key");
    if (!k.empty()) return k;
    return req.get_param_value("key");
  }

  bool parse_chat(const httplib::Request& req, const RouteMatch& route, ChatRequest& out,
                  Answer& error, const WireContext&) const override {
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      error = google_error(400, "Invalid JSON payload received. Unexpected token.\n" +
                                    printable_ascii(req.body.substr(0, 40)) + "\n^");
      return false;
    }
    auto contents = j.find("contents");
    if (contents == j.end() || !contents->is_array() || contents->empty()) {
      error = google_error(400, "* GenerateContentRequest.contents: contents is not specified\n");
      return false;
    }
    for (const auto& c : *contents) {
      std::string text = parts_text(c);
      out.prompt_tokens += count_words(text);
      // A missing or non-string role counts as the user's (as Gemini does).
      bool user = !c.is_object() || !c.contains("role") || !c["role"].is_string() ||
                  c["role"].get<std::string>() == "user";
      if (user) out.prompt = text;
    }
    if (auto si = j.find("systemInstruction"); si != j.end()) {
      out.prompt_tokens += count_words(parts_text(*si));
    }
    out.model = route.model;
    out.stream = route.stream_by_path;
    out.sse = req.get_param_value("alt") == "sse";
    return true;
  }

  Answer chat(const ChatRequest& req, const std::string& content,
              const WireContext& ctx) const override {
    Answer a;
    a.body = response_json(content, true, req.prompt_tokens, count_words(content), ctx).dump();
    return a;
  }

  StreamAnswer chat_stream(const ChatRequest& req, const std::vector<std::string>& pieces,
                           const WireContext& ctx) const override {
    StreamAnswer s;
    if (!req.sse) s.content_type = "application/json";
    std::size_t words = 0;
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      words += count_words(pieces[i]);
      bool last = i + 1 == pieces.size();
      auto j = response_json(pieces[i], last, req.prompt_tokens, words, ctx);
      if (req.sse) {
        // Google frames end with CRLF CRLF; there is no [DONE] terminator —
        // the stream ends with the frame that carries finishReason.
        s.frames.push_back("data: " + j.dump() + "\r\n\r\n");
      } else {
        s.frames.push_back((i == 0 ? "[" : ",\r\n") + j.dump() + (last ? "]" : ""));
      }
    }
    return s;
  }

  Answer models(const WireContext& ctx) const override {
    nlohmann::json model{{"name", "models/" + ctx.model},
                         {"version", "001"},
                         {"displayName", "Gemini (keyward fake) " + ctx.model},
                         {"description", "A fake Gemini model that answers deterministically."},
                         {"inputTokenLimit", 1048576},
                         {"outputTokenLimit", 8192},
                         {"supportedGenerationMethods", {"generateContent", "countTokens"}},
                         {"temperature", 1},
                         {"topP", 0.95},
                         {"topK", 40},
                         {"maxTemperature", 2}};
    // No nextPageToken: this is the last (only) page, and a client that
    // follows page tokens must terminate.
    Answer a;
    a.body = nlohmann::json{{"models", nlohmann::json::array({model})}}.dump();
    return a;
  }

  Answer missing_key(const WireContext&) const override {
    return google_error(403,
                        "Method doesn't allow unregistered callers (callers without established "
                        "identity). Please use API Key or other form of API consumer identity "
                        "to call this API.");
  }

  Answer key_rejected(KeyState state, const WireContext& ctx) const override {
    nlohmann::json meta{{"service", "generativelanguage.googleapis.com"}};
    switch (state) {
      case KeyState::expired: {
        std::string m = "API key expired. Please renew the API key.";
        return google_error(400, m, {error_info("API_KEY_INVALID", meta), localized(m)});
      }
      case KeyState::leaked: {
        std::string m = "Your API key was reported as leaked. Please use another API key.";
        return google_error(403, m, {error_info("API_KEY_SERVICE_BLOCKED", meta), localized(m)});
      }
      case KeyState::suspended: {
        // The real message quotes the whole key; the fake quotes it masked so
        // that a router logging the body cannot leak it.
        std::string m =
            "Permission denied: Consumer 'api_key:" + ctx.masked_key + "' has been suspended.";
        meta["consumer"] = "projects/000000000000";
        return google_error(403, m, {error_info("CONSUMER_SUSPENDED", meta), localized(m)});
      }
      default: {
        std::string m = "API key not valid. Please pass a valid API key.";
        return google_error(400, m, {error_info("API_KEY_INVALID", meta), localized(m)});
      }
    }
  }

  Answer rate_limited(std::chrono::milliseconds retry, std::uint32_t limit, std::uint32_t,
                      const WireContext& ctx) const override {
    return exhausted("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", retry, limit, ctx);
  }

  Answer quota_exhausted(std::chrono::milliseconds retry, std::uint32_t limit, std::uint32_t,
                         const WireContext& ctx) const override {
    return exhausted("GenerateRequestsPerDayPerProjectPerModel-FreeTier", retry, limit, ctx);
  }

  Answer status_error(int status, const WireContext& ctx) const override {
    if (status == 429) return rate_limited(std::chrono::seconds(5), 15, 15, ctx);
    if (status == 400 && ctx.message.empty()) return key_rejected(KeyState::invalid, ctx);
    std::string m = ctx.message;
    if (m.empty()) {
      switch (status) {
        case 503:
          m = "The model is overloaded. Please try again later.";
          break;
        case 500:
          m = "An internal error has occurred. Please retry or report in "
              "https://developers.generativeai.google/guide/troubleshooting";
          break;
        case 504:
          m = "Deadline expired before operation could complete.";
          break;
        case 403:
          m = "The caller does not have permission";
          break;
        case 404:
          m = "Requested entity was not found.";
          break;
        default:
          m = "Request failed with status " + std::to_string(status) + ".";
      }
    }
    return google_error(status, m);
  }

  Answer not_found(const std::string&, const std::string& path, const WireContext&) const override {
    return google_error(404, "Requested entity was not found. (" + printable_ascii(path) + ")");
  }

 private:
  static nlohmann::json response_json(const std::string& text, bool last, std::size_t prompt,
                                      std::size_t completion, const WireContext& ctx) {
    nlohmann::json cand{
        {"content", {{"parts", nlohmann::json::array({{{"text", text}}})}, {"role", "model"}}},
        {"index", 0}};
    if (last) cand["finishReason"] = "STOP";
    nlohmann::json usage{{"promptTokenCount", prompt}, {"totalTokenCount", prompt + completion}};
    if (last || completion) usage["candidatesTokenCount"] = completion;
    return {{"candidates", nlohmann::json::array({cand})},
            {"usageMetadata", usage},
            {"modelVersion", ctx.model},
            {"responseId", ctx.request_id.substr(0, 22)}};
  }

  static Answer exhausted(const std::string& quota_id, std::chrono::milliseconds retry,
                          std::uint32_t limit, const WireContext& ctx) {
    nlohmann::json failure{
        {"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
        {"violations",
         nlohmann::json::array(
             {{{"quotaMetric",
                "generativelanguage.googleapis.com/generate_content_free_tier_requests"},
               {"quotaId", quota_id},
               {"quotaDimensions", {{"model", ctx.model}, {"location", "global"}}},
               {"quotaValue", std::to_string(limit)}}})}};
    nlohmann::json help{
        {"@type", "type.googleapis.com/google.rpc.Help"},
        {"links",
         nlohmann::json::array({{{"description", "Learn more about Gemini API quotas"},
                                 {"url", "https://ai.google.dev/gemini-api/docs/rate-limits"}}})}};
    nlohmann::json retry_info{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                              {"retryDelay", std::to_string(ceil_seconds(retry)) + "s"}};
    return google_error(429,
                        "You exceeded your current quota, please check your plan and billing "
                        "details. For more information on this error, head to: "
                        "https://ai.google.dev/gemini-api/docs/rate-limits.",
                        {failure, help, retry_info});
  }
};

}  // namespace

std::unique_ptr<Wire> make_gemini_wire() { return std::make_unique<GeminiWire>(); }

}  // namespace keyward::fakes
