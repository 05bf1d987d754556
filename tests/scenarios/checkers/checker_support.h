#pragma once
// What checker tests build by hand: a scenario from YAML text, and the
// pieces of a run record (requests, calls, alerts, status snapshots).
#include <gtest/gtest.h>

#include <string>

#include "scenarios/checkers/checker.h"

namespace keyward::scenarios::testing {

inline Scenario scenario(const std::string& yaml) { return parse_scenario(yaml, "inline.yaml"); }

// The verdict of checker `name` (which must exist).
inline CheckVerdict judge(const char* name, const Scenario& s, const RunRecord& run) {
  const Checker* c = find_checker(name);
  EXPECT_NE(c, nullptr) << name;
  return c ? c->check(s, run) : CheckVerdict{false, "a checker", "none"};
}

inline RequestRecord answer(size_t event, Millis at, int status, const std::string& body) {
  RequestRecord r;
  r.event = event;
  r.at = at;
  r.status = status;
  r.body = body;
  r.json = nlohmann::json::parse(body, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  return r;
}

inline CallRecord chat_call(size_t event, Millis at, const std::string& provider, int key, int status) {
  CallRecord c;
  c.event = event;
  c.at = at;
  c.provider = provider;
  c.key_index = key;
  c.status = status;
  c.chat = true;
  c.path = "/openai/v1/chat/completions";
  return c;
}

inline AlertRecord alert(Millis at, const std::string& channel, const std::string& subject) {
  return AlertRecord{0, at, channel, subject, subject};
}

// A status snapshot's incident part: state "open" with `id`, or "none"; and
// the last resolved incident's id ("" = none yet).
inline nlohmann::json status(const std::string& open_id, const std::string& last_resolved = "") {
  nlohmann::json inc =
      open_id.empty() ? nlohmann::json{{"state", "none"}} : nlohmann::json{{"state", "open"}, {"id", open_id}};
  if (!last_resolved.empty()) inc["last_resolved"] = {{"id", last_resolved}};
  return {{"incident", inc}};
}

constexpr const char* kChatOk =
    R"({"status":"success","model":"groq/llama-3.3-70b-versatile","content":"hi","provider":"groq","key_id":1,"source":"provider"})";
constexpr const char* kEmergency =
    R"({"status":"error","model":"emergency/fallback","content":"AI Service Temporarily Unavailable.","error":"all_authentication_failed","retry_after_seconds":300,"providers":{},"support_url":"https://example.com"})";

}  // namespace keyward::scenarios::testing
