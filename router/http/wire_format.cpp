#include "router/http/wire_format.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "base/escape.h"
#include "router/core/json_limits.h"

namespace keyward::http {

using nlohmann::json;

namespace {

// A provider's body is untrusted: too deep a nesting is treated like a body
// that does not parse (a malformed answer) instead of risking the stack later.
json parse_provider_json(const std::string& text) {
  if (json_nesting_exceeds(text)) return json(json::value_t::discarded);
  return json::parse(text, nullptr, false);
}

int int_or(const json& j, const char* key, int def) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<int>() : def;
}
std::string str_or(const json& j, const char* key, const std::string& def = "") {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : def;
}

}  // namespace

// ---------------------------------------------------------------- OpenAI

// Built once per attempt, so on the failover path: written straight into a
// string instead of through a json DOM (a std::map per message, then a dump),
// which cost about as much as the rest of the attempt's bookkeeping. Keys in
// nlohmann's sorted order, so the bytes are the same as the DOM's dump.
std::string openai_request_body(const std::string& model, const ChatRequest& request, bool stream) {
  size_t size = 64 + model.size();
  for (const auto& m : request.messages) size += 32 + m.role.size() + m.content.size();
  std::string out;
  out.reserve(size);
  out += '{';
  if (request.max_tokens) {
    out += "\"max_tokens\":";
    out += std::to_string(*request.max_tokens);
    out += ',';
  }
  out += "\"messages\":[";
  bool first = true;
  for (const auto& m : request.messages) {
    out += first ? "{\"content\":" : ",{\"content\":";
    first = false;
    append_json_string(out, m.content);
    out += ",\"role\":";
    append_json_string(out, m.role);
    out += '}';
  }
  out += "],\"model\":";
  append_json_string(out, model);
  out += stream ? ",\"stream\":true" : ",\"stream\":false";
  if (request.temperature) {
    out += ",\"temperature\":";
    out += json(*request.temperature).dump();
  }
  out += '}';
  return out;
}

bool parse_openai_answer(const std::string& body, ChatAnswer* answer) {
  json j = parse_provider_json(body);
  if (j.is_discarded() || !j.is_object()) return false;
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() || !(*choices)[0].is_object()) return false;
  const json& c0 = (*choices)[0];
  auto msg = c0.find("message");
  if (msg == c0.end() || !msg->is_object()) return false;
  auto content = msg->find("content");
  if (content == msg->end() || !(content->is_string() || content->is_null())) return false;
  answer->content = content->is_string() ? content->get<std::string>() : "";
  answer->finish_reason = str_or(c0, "finish_reason");
  answer->model = str_or(j, "model");
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) {
    answer->prompt_tokens = int_or(*u, "prompt_tokens", 0);
    answer->completion_tokens = int_or(*u, "completion_tokens", 0);
  }
  return true;
}

bool read_openai_stream_event(const std::string& data, ChatAnswer* answer, std::string* text, bool* finished) {
  if (data == "[DONE]") {
    *finished = true;
    return true;
  }
  json j = parse_provider_json(data);
  if (j.is_discarded() || !j.is_object()) return false;
  if (j.contains("error")) return false;  // an error frame mid-stream
  if (auto m = j.find("model"); m != j.end() && m->is_string()) answer->model = *m;
  // Usage comes in a usage-only chunk (stream_options.include_usage) or, from
  // Groq, under x_groq in the last chunk.
  const json* usage = nullptr;
  if (auto u = j.find("usage"); u != j.end() && u->is_object()) usage = &*u;
  if (auto x = j.find("x_groq"); !usage && x != j.end() && x->is_object())
    if (auto u = x->find("usage"); u != x->end() && u->is_object()) usage = &*u;
  if (usage) {
    answer->prompt_tokens = int_or(*usage, "prompt_tokens", answer->prompt_tokens);
    answer->completion_tokens = int_or(*usage, "completion_tokens", answer->completion_tokens);
  }
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array()) return false;
  if (choices->empty()) return true;  // the usage-only chunk
  const json& c0 = (*choices)[0];
  if (!c0.is_object()) return false;
  if (auto fr = c0.find("finish_reason"); fr != c0.end() && fr->is_string()) answer->finish_reason = *fr;
  auto delta = c0.find("delta");
  if (delta == c0.end() || !delta->is_object()) return true;
  auto content = delta->find("content");
  if (content != delta->end() && content->is_string()) *text += content->get<std::string>();
  return true;
}

bool parse_openai_models(const std::string& body, std::vector<std::string>* models) {
  json j = parse_provider_json(body);
  auto data = j.is_object() ? j.find("data") : j.end();
  if (j.is_discarded() || !j.is_object() || data == j.end() || !data->is_array()) return false;
  if (models) {
    for (const auto& m : *data)
      if (m.is_object()) models->push_back(str_or(m, "id"));
  }
  return true;
}

// ---------------------------------------------------------------- Gemini

std::string gemini_finish_reason(const std::string& reason) {
  if (reason == "STOP") return "stop";
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" || reason == "PROHIBITED_CONTENT")
    return "content_filter";
  std::string lower = reason;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

std::string gemini_request_body(const ChatRequest& request) {
  json contents = json::array();
  std::string system;
  for (const auto& m : request.messages) {
    if (m.role == "system") {
      if (!system.empty()) system += "\n\n";
      system += m.content;
      continue;
    }
    const char* role = m.role == "assistant" ? "model" : "user";
    contents.push_back({{"role", role}, {"parts", json::array({{{"text", m.content}}})}});
  }
  json body{{"contents", std::move(contents)}};
  if (!system.empty()) body["systemInstruction"] = {{"parts", json::array({{{"text", system}}})}};
  json gen = json::object();
  if (request.temperature) gen["temperature"] = *request.temperature;
  if (request.max_tokens) gen["maxOutputTokens"] = *request.max_tokens;
  if (!gen.empty()) body["generationConfig"] = std::move(gen);
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

namespace {

// One Gemini answer object (whole or one stream frame). Appends the text of
// candidates[0] to `text`; false when the shape is wrong.
bool read_gemini_frame(const json& j, std::string* text, ChatAnswer* answer, bool* finished) {
  if (!j.is_object()) return false;
  if (auto mv = j.find("modelVersion"); mv != j.end() && mv->is_string()) answer->model = *mv;
  if (auto u = j.find("usageMetadata"); u != j.end() && u->is_object()) {
    answer->prompt_tokens = int_or(*u, "promptTokenCount", answer->prompt_tokens);
    answer->completion_tokens = int_or(*u, "candidatesTokenCount", answer->completion_tokens);
  }
  auto cands = j.find("candidates");
  if (cands == j.end()) {
    // A blocked prompt answers 200 with promptFeedback and no candidates.
    auto fb = j.find("promptFeedback");
    if (fb == j.end() || !fb->is_object()) return false;
    answer->finish_reason = "content_filter";
    *finished = true;
    return true;
  }
  if (!cands->is_array() || cands->empty() || !(*cands)[0].is_object()) return false;
  const json& c0 = (*cands)[0];
  if (auto content = c0.find("content"); content != c0.end()) {
    if (!content->is_object()) return false;
    if (auto parts = content->find("parts"); parts != content->end()) {
      if (!parts->is_array()) return false;
      for (const auto& p : *parts) {
        if (!p.is_object()) return false;
        if (auto t = p.find("text"); t != p.end() && t->is_string()) *text += t->get<std::string>();
      }
    }
  }
  if (auto fr = c0.find("finishReason"); fr != c0.end() && fr->is_string()) {
    answer->finish_reason = gemini_finish_reason(*fr);
    *finished = true;
  }
  return true;
}

}  // namespace

bool parse_gemini_answer(const std::string& body, ChatAnswer* answer) {
  json j = parse_provider_json(body);
  if (j.is_discarded()) return false;
  std::string text;
  bool finished = false;
  if (!read_gemini_frame(j, &text, answer, &finished)) return false;
  answer->content = std::move(text);
  return true;
}

bool read_gemini_stream_event(const std::string& data, ChatAnswer* answer, std::string* text, bool* finished) {
  json j = parse_provider_json(data);
  if (j.is_discarded()) return false;
  return read_gemini_frame(j, text, answer, finished);
}

bool parse_gemini_models(const std::string& body, std::vector<std::string>* models) {
  json j = parse_provider_json(body);
  auto list = j.is_object() ? j.find("models") : j.end();
  if (j.is_discarded() || !j.is_object() || list == j.end() || !list->is_array()) return false;
  if (models) {
    for (const auto& m : *list) {
      std::string name = m.is_object() ? str_or(m, "name") : "";
      if (name.rfind("models/", 0) == 0) name = name.substr(7);
      models->push_back(name);
    }
  }
  return true;
}

}  // namespace keyward::http
