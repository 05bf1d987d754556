#include "router/http/api.h"

#include <cmath>

#include "base/escape.h"
#include "base/utc_time.h"
#include "router/core/json_limits.h"
#include "router/http/journal.h"
#include "router/http/key_states.h"

namespace keyward::http {

using nlohmann::json;

std::string dump_json(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

namespace {

// Parses a body that must be a JSON object.
bool parse_object(const std::string& body, json* out, RequestError* error) {
  // Copies and dumps of a parsed value recurse per level: bound it first.
  if (json_nesting_exceeds(body)) {
    *error = {"request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels", ""};
    return false;
  }
  *out = json::parse(body, nullptr, false);
  if (out->is_discarded()) {
    *error = {"request body is not valid JSON", ""};
    return false;
  }
  if (!out->is_object()) {
    *error = {"request body must be a JSON object", ""};
    return false;
  }
  return true;
}

bool read_options(const json& j, ChatRequest* out, RequestError* error) {
  if (auto t = j.find("temperature"); t != j.end() && !t->is_null()) {
    if (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 2) {
      *error = {"field 'temperature' must be a number between 0 and 2", "temperature"};
      return false;
    }
    out->temperature = t->get<double>();
  }
  if (auto m = j.find("max_tokens"); m != j.end() && !m->is_null()) {
    if (!m->is_number_integer() || m->get<int64_t>() < 1 || m->get<int64_t>() > 1'000'000) {
      *error = {"field 'max_tokens' must be a positive integer", "max_tokens"};
      return false;
    }
    out->max_tokens = static_cast<int>(m->get<int64_t>());
  }
  return true;
}

// OpenAI content: a string or an array of {"type":"text","text":...} parts.
bool read_content(const json& c, std::string* out) {
  if (c.is_string()) {
    *out = c.get<std::string>();
    return true;
  }
  if (!c.is_array()) return false;
  out->clear();
  for (const auto& part : c) {
    if (!part.is_object()) return false;
    auto t = part.find("text");
    if (t == part.end() || !t->is_string()) return false;
    *out += t->get<std::string>();
  }
  return true;
}

}  // namespace

bool parse_chat_api(const std::string& body, ChatRequest* out, RequestError* error) {
  json j;
  if (!parse_object(body, &j, error)) return false;
  auto m = j.find("message");
  if (m == j.end() || m->is_null()) {
    *error = {"missing field 'message' (the user's question, a string)", "message"};
    return false;
  }
  if (!m->is_string()) {
    *error = {"field 'message' must be a string", "message"};
    return false;
  }
  if (m->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos) {
    *error = {"field 'message' must not be empty", "message"};
    return false;
  }
  *out = ChatRequest{};
  if (auto s = j.find("system"); s != j.end() && !s->is_null()) {
    if (!s->is_string()) {
      *error = {"field 'system' must be a string", "system"};
      return false;
    }
    out->messages.push_back({"system", s->get<std::string>()});
  }
  out->messages.push_back({"user", m->get<std::string>()});
  return read_options(j, out, error);
}

bool parse_openai_chat(const std::string& body, ChatRequest* out, RequestError* error) {
  json j;
  if (!parse_object(body, &j, error)) return false;
  *out = ChatRequest{};
  if (auto model = j.find("model"); model != j.end() && !model->is_null() && !model->is_string()) {
    *error = {"field 'model' must be a string", "model"};
    return false;
  }
  auto msgs = j.find("messages");
  if (msgs == j.end()) {
    *error = {"missing field 'messages' (a list of {role, content})", "messages"};
    return false;
  }
  if (!msgs->is_array() || msgs->empty()) {
    *error = {"field 'messages' must be a non-empty list", "messages"};
    return false;
  }
  for (size_t i = 0; i < msgs->size(); ++i) {
    const json& m = (*msgs)[i];
    std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) {
      *error = {where + " must be an object", where};
      return false;
    }
    auto role = m.find("role");
    if (role == m.end() || !role->is_string()) {
      *error = {where + ".role must be a string", where + ".role"};
      return false;
    }
    const auto& r = role->get_ref<const std::string&>();
    if (r != "system" && r != "user" && r != "assistant" && r != "developer") {
      *error = {where + ".role must be system, user or assistant", where + ".role"};
      return false;
    }
    auto content = m.find("content");
    std::string text;
    if (content == m.end() || !read_content(*content, &text)) {
      *error = {where + ".content must be a string or a list of text parts", where + ".content"};
      return false;
    }
    out->messages.push_back({r == "developer" ? "system" : r, std::move(text)});
  }
  if (auto s = j.find("stream"); s != j.end() && !s->is_null()) {
    if (!s->is_boolean()) {
      *error = {"field 'stream' must be true or false", "stream"};
      return false;
    }
    out->stream = s->get<bool>();
  }
  return read_options(j, out, error);
}

const char* cause_words(EmergencyCause c) {
  switch (c) {
    case EmergencyCause::all_authentication_failed: return "Authentication failure on all AI keys";
    case EmergencyCause::all_quota_exhausted: return "Every AI key has used its quota";
    case EmergencyCause::all_providers_unavailable: return "Every AI provider is unavailable";
    case EmergencyCause::all_providers_failed: return "All AI providers failed";
  }
  return "All AI providers failed";
}

int retry_after_seconds(const Verdict& v, WallTime now, Millis fallback) {
  Millis wait = v.retry_at && *v.retry_at > now ? *v.retry_at - now : fallback;
  auto s = (wait.count() + 999) / 1000;  // round up: never invite a retry too early
  return static_cast<int>(std::max<int64_t>(s, 1));
}

json chat_api_answer(const RouteOutcome& out) {
  json j{{"status", "success"},
         {"model", out.model},
         {"content", out.answer.content},
         {"provider", out.provider},
         {"source", out.kind == RouteOutcome::Kind::cache ? "cache" : "provider"}};
  if (out.kind == RouteOutcome::Kind::cache) {
    j["warning"] = "All AI providers failed - using cached result";
    j["stale"] = out.stale;
    j["error"] = to_string(out.verdict.cause);
  } else {
    j["key_id"] = out.key_index;
  }
  return j;
}

std::string emergency_content(const Verdict& v, int retry_seconds, const std::string& support_url) {
  return std::string("AI Service Temporarily Unavailable. We could not get an answer from any AI provider. Error: ") +
         cause_words(v.cause) + ". Expected back in about " + human_duration(Millis(int64_t{retry_seconds} * 1000)) +
         ". What you can do: wait a few minutes and try again; check back later; contact support if urgent (" +
         support_url + ").";
}

json emergency_answer(const Verdict& v, int retry_seconds, const std::string& support_url) {
  json providers = json::object();
  for (const auto& p : v.providers) {
    json pj{{"display_name", p.display_name},
            {"failed", p.failed()},
            {"total", p.keys_total},
            {"cause", to_string(p.cause)},
            {"ejected", p.ejected},
            {"last_error", p.last_error}};
    if (!p.diagnosis.empty()) pj["diagnosis"] = p.diagnosis;
    if (p.disabled > 0) pj["disabled"] = p.disabled;
    providers[p.name] = std::move(pj);
  }
  return json{{"status", "error"},
              {"model", "emergency/fallback"},
              {"content", emergency_content(v, retry_seconds, support_url)},
              {"error", to_string(v.cause)},
              {"diagnosis", v.diagnosis},
              {"retryable", true},
              {"retry_after", human_duration(Millis(int64_t{retry_seconds} * 1000))},
              {"retry_after_seconds", retry_seconds},
              {"support_url", support_url},
              {"providers", std::move(providers)}};
}

json openai_error(const std::string& message, const std::string& type, const std::string& code,
                  const std::string& param) {
  return json{{"error",
               {{"message", message},
                {"type", type},
                {"param", param.empty() ? json(nullptr) : json(param)},
                {"code", code}}}};
}

json openai_completion(const RouteOutcome& out, const std::string& id, int64_t created) {
  json j{{"id", id},
         {"object", "chat.completion"},
         {"created", created},
         {"model", out.model},
         {"choices",
          json::array({{{"index", 0},
                        {"message", {{"role", "assistant"}, {"content", out.answer.content}}},
                        {"finish_reason", out.answer.finish_reason.empty() ? "stop" : out.answer.finish_reason}}})},
         {"usage",
          {{"prompt_tokens", out.answer.prompt_tokens},
           {"completion_tokens", out.answer.completion_tokens},
           {"total_tokens", out.answer.prompt_tokens + out.answer.completion_tokens}}},
         {"keyward", {{"provider", out.provider}, {"source", to_string(out.kind)}}}};
  if (out.kind == RouteOutcome::Kind::provider) j["keyward"]["key_id"] = out.key_index;
  if (out.kind == RouteOutcome::Kind::cache) {
    j["keyward"]["warning"] = "All AI providers failed - using cached result";
    j["keyward"]["stale"] = out.stale;
  }
  return j;
}

json openai_chunk(const std::string& id, int64_t created, const std::string& model, const std::string& content,
                  const std::string& finish_reason, bool role) {
  json delta = json::object();
  if (role) delta["role"] = "assistant";
  if (!content.empty()) delta["content"] = content;
  return json{{"id", id},
              {"object", "chat.completion.chunk"},
              {"created", created},
              {"model", model},
              {"choices",
               json::array({{{"index", 0},
                             {"delta", std::move(delta)},
                             {"finish_reason", finish_reason.empty() ? json(nullptr) : json(finish_reason)}}})}};
}

namespace {
json iso_or_null(bool set, WallTime t) { return set ? json(format_iso8601(t)) : json(nullptr); }
}  // namespace

json status_document(const StatusInputs& in) {
  const auto& s = *in.snapshot;
  json providers = json::array();
  for (size_t p = 0; p < s.config.providers.size(); ++p) {
    const auto& pc = s.config.providers[p];
    const auto& ph = s.providers[p];
    bool ejected = ph.ejected && s.now < ph.ejected_until;
    json keys = json::array();
    int auth_failed = 0, disabled = 0;
    for (size_t i = 0; i < pc.keys.size(); ++i) {
      const auto& kc = pc.keys[i];
      const auto& kh = s.keys[p][i];
      bool out_of_service = kh.state != KeyState::healthy && s.now < kh.until;
      if (out_of_service && kh.state == KeyState::quarantined) ++auth_failed;
      if (kh.disabled) ++disabled;
      std::string expires = kc.expires ? format_date(*kc.expires) : "";
      bool uncertain = p < s.uncertain.size() && i < s.uncertain[p].size() && s.uncertain[p][i];
      json key = {{"id", kc.index},
                      {"masked", kc.masked()},
                      {"state", out_of_service ? to_string(kh.state) : "healthy"},
                      {"until", iso_or_null(out_of_service, kh.until)},
                      {"last_error", kh.last_error},
                      {"last_class", to_string(kh.last_class)},
                      {"last_status", kh.last_status},
                      {"validated", kh.validated},
                      // No recent proof it works: one request at a time probes it.
                      {"uncertain", uncertain},
                      {"expires", kc.expires ? json(expires) : json(nullptr)},
                      {"attempts", kh.attempts},
                      {"failures", kh.failures}};
      // The key-state fields of GET /api/keys (state "disabled" for a key
      // taken out by hand, the reason, since, strikes, last success/failure).
      key.update(key_state_json(pc, kc, kh, uncertain, s.now));
      keys.push_back(std::move(key));
    }
    std::string diagnosis;
    if (!pc.keys.empty() && disabled == static_cast<int>(pc.keys.size()))
      diagnosis = "every " + pc.display_name + " key is disabled by the operator (POST /admin/keys/" + pc.name +
                  "/<id>/enable)";
    else if (!pc.keys.empty() && auth_failed == static_cast<int>(pc.keys.size()))
      diagnosis = "every " + pc.display_name +
                  " key is quarantined for failed authentication: check " + pc.dashboard_url +
                  " (keys regenerated or expired, a suspended account, or a wrong .env)";
    else if (ejected)
      diagnosis = pc.display_name + " is failing (" + to_string(ph.last_class) + "), not its keys";
    else if (pc.keys.empty())
      diagnosis = "no keys configured (" + pc.env_prefix + "_API_KEY_1=...)";
    providers.push_back({{"name", pc.name},
                         {"display_name", pc.display_name},
                         {"model", pc.qualified_model()},
                         {"dashboard_url", pc.dashboard_url},
                         {"enabled", pc.enabled},
                         {"ejected", ejected},
                         {"ejected_until", iso_or_null(ejected, ph.ejected_until)},
                         {"last_error", ph.last_error},
                         {"diagnosis", diagnosis},
                         {"keys", std::move(keys)}});
  }
  return json{{"now", format_iso8601(s.now)},
              {"ready", in.ready},
              {"providers", std::move(providers)},
              {"incident", in.incident.is_null() ? json{{"state", "none"}} : in.incident},
              {"channels", in.channels.is_null() ? json::object() : in.channels},
              {"stats", in.stats}};
}

std::string default_dashboard_html(const json& status) {
  std::string text = status.dump(2, ' ', false, json::error_handler_t::replace);
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>Keyward</title></head><body>"
         "<h1>Keyward status</h1><pre>" + html_text_escape(text) + "</pre></body></html>";
}

}  // namespace keyward::http
