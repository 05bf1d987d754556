// The request loop on a scripted transport: no sockets, a SimClock.
#include "router/core/chat_router.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

// Answers per (provider, key index); unknown keys answer auth failure.
class ScriptedTransport final : public BlockingTransport {
 public:
  std::map<std::pair<std::string, int>, AttemptResult> script;
  std::vector<std::pair<std::string, int>> calls;
  std::vector<std::string> stream_deltas = {"Hel", "lo"};
  bool fail_after_first_delta = false;
  bool hang_up_after_first_delta = false;  // the caller's sink refuses what follows

  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig& k, const ChatRequest&, Millis, ChatAnswer* answer,
                     StreamSink* sink) override {
    calls.push_back({p.name, k.index});
    auto it = script.find({p.name, k.index});
    AttemptResult r = it != script.end() ? it->second : (p.name == "gemini" ? test::gemini_400_invalid() : test::groq_401());
    if (r.status == 200) {
      if (sink) {
        for (const auto& d : stream_deltas) {
          sink->on_delta(d);
          if (fail_after_first_delta || hang_up_after_first_delta) {
            AttemptResult cut;
            cut.transport =
                hang_up_after_first_delta ? TransportError::client_gone : TransportError::connection_reset;
            return cut;
          }
        }
      }
      answer->content = "Hello from " + p.name;
      answer->model = p.model;
    }
    return r;
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis, std::vector<std::string>*) override {
    return test::ok_200();
  }
};

struct Collector final : RouterObserver {
  int emergencies = 0;
  std::vector<AttemptRecord> attempts;
  void on_attempt(const AttemptRecord& a) override { attempts.push_back(a); }
  void on_emergency(const Verdict&, WallTime) override { ++emergencies; }
};

struct StringSink final : StreamSink {
  std::string text;
  bool on_delta(const std::string& d) override {
    text += d;
    return true;
  }
};

ChatRequest ask(const std::string& text) { return ChatRequest{{{"user", text}}, {}, {}, false, ""}; }

TEST(ChatRouter, FoundingScenarioEndsInAnEmergencyVerdictAfterSixCalls) {
  SimClock clock(test::at("2025-11-18T08:00:15Z"));
  Collector obs;
  ChatRouter router(test::founding_config(), clock, &obs);
  ScriptedTransport t;
  auto out = router.route(ask("Help me fix this bug"), t);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::emergency);
  EXPECT_EQ(out.model, "emergency/fallback");
  EXPECT_EQ(out.verdict.cause, EmergencyCause::all_authentication_failed);
  EXPECT_EQ(t.calls.size(), 6u);
  EXPECT_EQ(obs.emergencies, 1);
  ASSERT_EQ(obs.attempts.size(), 6u);
  EXPECT_EQ(obs.attempts[0].masked_key, "sk-proj-...AAA");
  EXPECT_EQ(obs.attempts[3].message, "API key not valid. Please pass a valid API key.");

  clock.advance(1s);
  out = router.route(ask("Help me fix this bug"), t);
  EXPECT_EQ(t.calls.size(), 6u) << "quarantined keys are not called again";
  EXPECT_EQ(out.verdict.cause, EmergencyCause::all_authentication_failed);
}

TEST(ChatRouter, CachedAnswerIsServedWhenEverythingFails) {
  SimClock clock(test::at("2025-11-18T07:00:00Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  ScriptedTransport t;
  t.script[{"groq", 1}] = test::ok_200();
  auto first = router.route(ask("Help me fix this bug"), t);
  ASSERT_EQ(first.kind, RouteOutcome::Kind::provider);
  EXPECT_EQ(first.model, "groq/llama-3.3-70b-versatile");
  EXPECT_EQ(first.key_index, 1);

  t.script.clear();  // every key now fails
  clock.advance(2h);
  auto later = router.route(ask("Help me  fix this bug"), t);
  EXPECT_EQ(later.kind, RouteOutcome::Kind::cache);
  EXPECT_TRUE(later.stale);
  EXPECT_EQ(later.answer.content, "Hello from groq");
  EXPECT_EQ(later.verdict.cause, EmergencyCause::all_authentication_failed);
}

TEST(ChatRouter, StreamFailsOverBeforeTheFirstByteButNotAfter) {
  SimClock clock(test::at("2025-11-18T08:00:00Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  ScriptedTransport t;
  t.script[{"gemini", 1}] = test::ok_200();
  StringSink sink;
  auto out = router.route(ask("hi"), t, &sink);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::provider);
  EXPECT_EQ(out.provider, "gemini");
  EXPECT_EQ(sink.text, "Hello");  // groq's three failures sent nothing to the client

  ChatRouter router2(test::founding_config(), clock, nullptr);
  ScriptedTransport cut;
  cut.script[{"groq", 1}] = test::ok_200();
  cut.fail_after_first_delta = true;
  StringSink sink2;
  out = router2.route(ask("hi"), cut, &sink2);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::stream_failed);
  EXPECT_EQ(cut.calls.size(), 1u) << "no failover once bytes reached the client";
  EXPECT_EQ(sink2.text, "Hel");
}

TEST(ChatRouter, CallersHangingUpMidStreamCountAgainstNeitherTheKeyNorTheProvider) {
  SimClock clock(test::at("2025-11-18T08:00:00Z"));
  RouterConfig config = test::founding_config();
  ASSERT_LE(config.ejection.consecutive_failures, 5);
  ChatRouter router(config, clock, nullptr);
  ScriptedTransport t;
  t.script[{"groq", 1}] = test::ok_200();
  t.hang_up_after_first_delta = true;
  // More impatient callers than the provider's ejection threshold.
  for (int i = 0; i < 5; ++i) {
    StringSink sink;
    auto out = router.route(ask("hi " + std::to_string(i)), t, &sink);
    EXPECT_EQ(out.kind, RouteOutcome::Kind::cancelled);
    ASSERT_EQ(out.attempts.size(), 1u) << "no failover for a caller who left";
    EXPECT_EQ(out.attempts[0].cls, ErrorClass::cancelled);
  }
  EXPECT_EQ(t.calls.size(), 5u);
  auto snap = router.snapshot();
  EXPECT_FALSE(snap.providers[0].ejected) << "hang-ups are not the provider's network failures";
  EXPECT_EQ(snap.providers[0].consecutive_failures, 0);
  EXPECT_EQ(snap.keys[0][0].state, KeyState::healthy);
  EXPECT_EQ(snap.keys[0][0].failures, 0u);

  t.hang_up_after_first_delta = false;
  StringSink sink;
  auto out = router.route(ask("patient"), t, &sink);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::provider);
  EXPECT_EQ(out.provider, "groq");
}

TEST(ChatRouter, ReloadSwapsKeysAndKeepsHistoryOfUnchangedOnes) {
  SimClock clock(test::at("2025-11-18T08:00:15Z"));
  ChatRouter router(test::founding_config(), clock, nullptr);
  ScriptedTransport t;
  router.route(ask("x"), t);
  RouterConfig fixed = test::founding_config();
  fixed.providers[0].keys[0].secret = "sk-proj-NEW-AAA";
  router.reload(fixed);
  t.script[{"groq", 1}] = test::ok_200();
  auto out = router.route(ask("x"), t);
  EXPECT_EQ(out.kind, RouteOutcome::Kind::provider);
  auto snap = router.snapshot();
  EXPECT_EQ(snap.keys[0][1].state, KeyState::quarantined) << "unchanged key keeps its quarantine";
}

}  // namespace
}  // namespace keyward
