// well_formed_responses (safety): every request gets an answer in one of the
// documented shapes, never a crash, an empty body or a half-written one:
//   chat API (POST /api/ai/chat)   200 {"status":"success","content",...,"provider"}
//                                  503 the emergency JSON ("model":"emergency/fallback",
//                                      content, error, retry_after_seconds, providers, support_url)
//                                  4xx/5xx {"status":"error","error":"...","message":"..."}
//   OpenAI (POST /v1/chat/completions)
//                                  200 {"object":"chat.completion","choices":[...]}
//                                  4xx/5xx {"error":{"message","type",...}}
//   OpenAI streaming, 200          SSE frames ending in data: [DONE], or (cut after
//                                  the first byte, when no failover is possible) in
//                                  an error frame with code upstream_stream_failed
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"

namespace keyward::scenarios {

namespace {

using nlohmann::json;

bool has_string(const json& j, const char* field) { return j.contains(field) && j[field].is_string(); }

// "" when well-formed, else what is wrong.
std::string chat_api_problem(int status, const json& j) {
  if (!j.is_object()) return "not a JSON object";
  if (status == 200) {
    if (j.value("status", "") == "success" && has_string(j, "content") && has_string(j, "provider")) return "";
    return "a 200 without status success, content and provider";
  }
  if (status == 503 && j.value("model", "") == "emergency/fallback") {
    for (const char* f : {"content", "error", "retry_after_seconds", "providers", "support_url"})
      if (!j.contains(f)) return std::string("an emergency answer without '") + f + "'";
    return j.value("status", "") == "error" ? "" : "an emergency answer without status error";
  }
  if (status >= 400 && j.value("status", "") == "error" && has_string(j, "error") && has_string(j, "message"))
    return "";
  return "status " + std::to_string(status) + " with neither the emergency JSON nor a JSON error";
}

std::string openai_problem(int status, const json& j) {
  if (!j.is_object()) return "not a JSON object";
  if (status == 200) {
    if (j.value("object", "") == "chat.completion" && j.contains("choices") && j["choices"].is_array() &&
        !j["choices"].empty())
      return "";
    return "a 200 that is not a chat.completion with choices";
  }
  if (status >= 400 && j.contains("error") && j["error"].is_object() && has_string(j["error"], "message") &&
      has_string(j["error"], "type"))
    return "";
  return "status " + std::to_string(status) + " without an OpenAI error envelope";
}

std::string stream_problem(const std::string& body) {
  if (body.find("data: ") == std::string::npos) return "a 200 stream without a data frame";
  if (body.find("data: [DONE]") != std::string::npos) return "";
  auto last = body.rfind("data: ");
  auto end = body.find('\n', last);
  auto frame =
      json::parse(body.substr(last + 6, end == std::string::npos ? std::string::npos : end - last - 6), nullptr, false);
  if (!frame.is_discarded() && frame.is_object() && frame.contains("error") && frame["error"].is_object() &&
      frame["error"].value("code", "") == "upstream_stream_failed")
    return "";
  return "a stream with neither data: [DONE] nor an upstream_stream_failed error frame";
}

class WellFormedResponses final : public Checker {
 public:
  const char* name() const override { return "well_formed_responses"; }
  CheckerKind kind() const override { return CheckerKind::safety; }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    Violations v;
    for (const auto& r : run.requests) {
      if (r.event >= s.timeline.size()) continue;
      const RequestSpec& spec = s.timeline[r.event].request;
      std::string problem;
      if (r.status == 0)
        problem = "no answer";
      else if (spec.api == "chat")
        problem = chat_api_problem(r.status, r.json);
      else if (spec.stream && r.status == 200)
        problem = stream_problem(r.body);
      else
        problem = openai_problem(r.status, r.json);
      if (problem.empty()) continue;
      int line = s.timeline[r.event].line;
      v.add(offset_label(r.at) + " " + spec.api + (spec.stream ? " stream" : "") + " request" +
            (line > 0 ? " (YAML line " + std::to_string(line) + ")" : "") + ": " + problem + ": " +
            r.body.substr(0, 160));
    }
    return v.verdict("every answer a success, the emergency answer or a JSON error, in the documented shape");
  }
};

}  // namespace

const Checker& well_formed_responses_checker() {
  static const WellFormedResponses c;
  return c;
}

}  // namespace keyward::scenarios
