// Shared by the OpenAI-compatible fakes (Groq, Mistral, OpenAI), plus the
// deterministic answer text every fake uses.
#include <cstdio>

#include "base/fnv1a.h"
#include "base/utc_time.h"
#include "fakes/providers/wire.h"

namespace keyward::fakes {

namespace {
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

// Text of an OpenAI message "content": a string or a list of {type:text,text}.
std::string content_text(const nlohmann::json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        if (!out.empty()) out += " ";
        out += part["text"].get<std::string>();
      }
    }
  }
  return out;
}
}  // namespace

std::unique_ptr<Wire> make_wire(ProviderKind kind) {
  switch (kind) {
    case ProviderKind::groq:
      return make_groq_wire();
    case ProviderKind::gemini:
      return make_gemini_wire();
    case ProviderKind::mistral:
      return make_mistral_wire();
    case ProviderKind::openai:
      return make_openai_wire();
  }
  return make_openai_wire();
}

std::string answer_text(const std::string& provider_name, std::uint64_t seed,
                        const std::string& prompt) {
  static const char* const kOpeners[] = {"Sure",          "Certainly",   "Of course",
                                         "Happy to help", "Here you go", "Good question"};
  static const char* const kAdjectives[] = {"short", "calm",   "clear", "careful",
                                            "quick", "simple", "plain", "direct"};
  std::uint64_t h = fnv1a64(prompt, fnv1a64(provider_name) ^ (seed * 0x9e3779b97f4a7c15ULL));
  // Echo up to three words of the prompt so a scenario can see which request
  // this answer belongs to.
  std::string echo;
  std::size_t words = 0, i = 0;
  while (i < prompt.size() && words < 3) {
    while (i < prompt.size() && (prompt[i] == ' ' || prompt[i] == '\n' || prompt[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < prompt.size() && prompt[i] != ' ' && prompt[i] != '\n' && prompt[i] != '\t') ++i;
    if (i > start) {
      if (!echo.empty()) echo += " ";
      echo += prompt.substr(start, i - start);
      ++words;
    }
  }
  char tag[16];
  std::snprintf(tag, sizeof tag, "%08x", static_cast<unsigned>(h >> 32));
  return std::string(kOpeners[h % 6]) + ", here is a " + kAdjectives[(h >> 8) % 8] +
         " answer about \"" + echo + "\" (" + provider_name + " " + tag + ").";
}

std::vector<std::string> stream_pieces(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  int spaces = 0;
  for (char c : text) {
    cur += c;
    if (c == ' ' && ++spaces == 2) {
      out.push_back(std::move(cur));
      cur.clear();
      spaces = 0;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

long long ceil_seconds(std::chrono::milliseconds d) {
  long long s = (d.count() + 999) / 1000;
  return s < 1 ? 1 : s;
}

RouteMatch OpenAiCompatibleWire::route(const std::string& method, const std::string& path) const {
  std::string prefix = path_prefix();
  RouteMatch m;
  if (path.compare(0, prefix.size(), prefix) != 0) return m;
  std::string rest = path.substr(prefix.size());
  if (method == "POST" && rest == "/chat/completions") m.route = Route::chat;
  if (method == "GET" && rest == "/models") m.route = Route::models;
  return m;
}

std::string OpenAiCompatibleWire::api_key(const httplib::Request& req) const {
  auto auth = req.get_header_value("Authorization");
  static const std::string kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.compare(0, kBearer.size(), kBearer) == 0) {
    return auth.substr(kBearer.size());
  }
  return {};
}

bool OpenAiCompatibleWire::parse_chat(const httplib::Request& req, const RouteMatch&,
                                      ChatRequest& out, Answer& error,
                                      const WireContext& ctx) const {
  auto j = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    error = bad_json(j.is_discarded() ? "invalid JSON" : "expected a JSON object", ctx);
    return false;
  }
  auto msgs = j.find("messages");
  if (msgs == j.end() || !msgs->is_array() || msgs->empty()) {
    error = missing_messages(ctx);
    return false;
  }
  for (const auto& m : *msgs) {
    if (!m.is_object()) continue;
    std::string text = m.contains("content") ? content_text(m["content"]) : std::string();
    out.prompt_tokens += count_words(text) + 3;  // ~ role and framing tokens
    auto role = m.find("role");
    if (role != m.end() && role->is_string() && role->get<std::string>() == "user")
      out.prompt = text;
  }
  if (auto it = j.find("model"); it != j.end() && it->is_string()) out.model = *it;
  if (auto it = j.find("stream"); it != j.end() && it->is_boolean()) out.stream = *it;
  if (auto it = j.find("stream_options"); it != j.end() && it->is_object()) {
    auto inc = it->find("include_usage");
    out.include_usage = inc != it->end() && inc->is_boolean() && inc->get<bool>();
  }
  return true;
}

nlohmann::json OpenAiCompatibleWire::usage_json(std::size_t prompt_tokens,
                                                std::size_t completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

Answer OpenAiCompatibleWire::chat(const ChatRequest& req, const std::string& content,
                                  const WireContext& ctx) const {
  nlohmann::json j{
      {"id", "chatcmpl-" + ctx.request_id},
      {"object", "chat.completion"},
      {"created", unix_seconds(ctx.now)},
      {"model", ctx.model},
      {"choices",
       nlohmann::json::array({{{"index", 0},
                               {"message", {{"role", "assistant"}, {"content", content}}},
                               {"logprobs", nullptr},
                               {"finish_reason", "stop"}}})},
      {"usage", usage_json(req.prompt_tokens, count_words(content))},
  };
  decorate_completion(j, ctx);
  Answer a;
  a.body = j.dump();
  return a;
}

StreamAnswer OpenAiCompatibleWire::chat_stream(const ChatRequest& req,
                                               const std::vector<std::string>& pieces,
                                               const WireContext& ctx) const {
  StreamAnswer s;
  auto chunk = [&](nlohmann::json delta, nlohmann::json finish) {
    return nlohmann::json{{"id", "chatcmpl-" + ctx.request_id},
                          {"object", "chat.completion.chunk"},
                          {"created", unix_seconds(ctx.now)},
                          {"model", ctx.model},
                          {"choices", nlohmann::json::array({{{"index", 0},
                                                              {"delta", std::move(delta)},
                                                              {"logprobs", nullptr},
                                                              {"finish_reason", finish}}})}};
  };
  auto frame = [](const nlohmann::json& j) { return "data: " + j.dump() + "\n\n"; };
  std::string content;
  s.frames.push_back(frame(chunk({{"role", "assistant"}, {"content", ""}}, nullptr)));
  for (const auto& p : pieces) {
    content += p;
    s.frames.push_back(frame(chunk({{"content", p}}, nullptr)));
  }
  auto usage = usage_json(req.prompt_tokens, count_words(content));
  auto last = chunk(nlohmann::json::object(), "stop");
  decorate_last_chunk(last, usage, ctx);
  s.frames.push_back(frame(last));
  if (req.include_usage) {
    auto u = chunk(nlohmann::json::object(), nullptr);
    u["choices"] = nlohmann::json::array();
    u["usage"] = usage;
    s.frames.push_back(frame(u));
  }
  s.frames.push_back("data: [DONE]\n\n");
  return s;
}

Answer OpenAiCompatibleWire::models(const WireContext& ctx) const {
  nlohmann::json j{{"object", "list"},
                   {"data", nlohmann::json::array({model_entry(ctx.model, ctx)})}};
  Answer a;
  a.body = j.dump();
  return a;
}

Answer OpenAiCompatibleWire::openai_error(int status, const std::string& message,
                                          const std::string& type, const nlohmann::json& code,
                                          bool with_param) {
  nlohmann::json e{{"message", message}, {"type", type}};
  if (with_param) e["param"] = nullptr;
  e["code"] = code;
  Answer a;
  a.status = status;
  a.body = nlohmann::json{{"error", e}}.dump();
  return a;
}

}  // namespace keyward::fakes
