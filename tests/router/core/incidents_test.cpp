// The incident engine driven by the real ChatRouter through the founding
// scenario, under a SimClock: exactly the alerts of the story, no more.
#include "router/core/incidents.h"

#include <gtest/gtest.h>

#include "tests/router/store/founding_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;
using test::at;

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<std::string> subjects(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.subject);
  return out;
}

struct EngineTest : ::testing::Test {
  test::FoundingWorld world;
  CollectingOutbox outbox;
  MemoryIncidentStore store;
  AlertPolicy policy;
  std::unique_ptr<IncidentEngine> engine;

  void SetUp() override { start(); }
  void start() {
    engine = std::make_unique<IncidentEngine>(world.config, policy, world.clock, outbox, store);
    world.start(engine.get());
  }
};

TEST_F(EngineTest, FoundingSequenceYieldsExactlyTheStorysAlerts) {
  auto out = world.ask();
  ASSERT_EQ(out.kind, RouteOutcome::Kind::emergency);

  auto per_key = outbox.of_kind(AlertKind::key_auth_failed);
  EXPECT_EQ(subjects(per_key),
            (std::vector<std::string>{"❌ Groq Key 1 Authentication Failed", "❌ Groq Key 2 Authentication Failed",
                                      "❌ Groq Key 3 Authentication Failed", "❌ Gemini Key 1 Authentication Failed",
                                      "❌ Gemini Key 2 Authentication Failed",
                                      "❌ Mistral Key 1 Authentication Failed"}));
  EXPECT_EQ(subjects(outbox.of_kind(AlertKind::provider_all_keys_failed)),
            (std::vector<std::string>{"🚨 CRITICAL: All Groq Keys Failed!", "🚨 CRITICAL: All Gemini Keys Failed!",
                                      "🚨 CRITICAL: All Mistral Keys Failed!"}));
  auto emergency = outbox.of_kind(AlertKind::all_providers_failed);
  ASSERT_EQ(emergency.size(), 1u);
  EXPECT_EQ(emergency[0].subject, "🚨 EMERGENCY: All AI Keys Failed!");
  EXPECT_EQ(outbox.count_for(channel_email), 10u);
  EXPECT_EQ(outbox.count_for(channel_telegram), 1u);
  EXPECT_EQ(outbox.count_for(channel_webhook), 10u);
  EXPECT_TRUE(engine->incident_open());
  EXPECT_EQ(format_iso8601(emergency[0].created_at), "2025-11-18T08:00:21Z");
}

TEST_F(EngineTest, PerKeyAlertCarriesTheSeedsContent) {
  world.ask();
  const Alert a = outbox.of_kind(AlertKind::key_auth_failed).at(0);
  EXPECT_TRUE(contains(a.text, "API Key Authentication Failure"));
  EXPECT_TRUE(contains(a.text, "Provider: Groq"));
  EXPECT_TRUE(contains(a.text, "Groq Key 1 (sk-proj-...AAA"));
  EXPECT_TRUE(contains(a.text, "Invalid API Key (HTTP 401)"));
  EXPECT_TRUE(contains(a.text, "Time: 2025-11-18T08:00:16Z"));
  EXPECT_TRUE(contains(a.text, "1. Check if the key is expired."));
  EXPECT_TRUE(contains(a.text, "2. Verify the key in the Groq dashboard: https://console.groq.com/keys"));
  EXPECT_TRUE(contains(a.text, "Key has been quarantined for 5 minutes. Requests are being routed to backup keys."));
  EXPECT_FALSE(contains(a.text, "EXPIRED-AAA")) << "never the secret";
  EXPECT_TRUE(contains(a.html, "<a href=\"https://console.groq.com/keys\">"));
  EXPECT_EQ(a.channels, unsigned(channel_email | channel_webhook));
}

TEST_F(EngineTest, ProviderAlertsSayWhereTrafficWent) {
  world.ask();
  auto prov = outbox.of_kind(AlertKind::provider_all_keys_failed);
  ASSERT_EQ(prov.size(), 3u);
  EXPECT_TRUE(contains(prov[0].text, "System has fallen back to Gemini."));
  EXPECT_TRUE(contains(prov[0].text, "Groq Key 3 (sk-proj-...CCC): authentication failed - Invalid API Key"));
  EXPECT_TRUE(contains(prov[0].text, "the keys were regenerated in the Groq dashboard"));
  EXPECT_TRUE(contains(prov[1].text, "System has fallen back to Mistral."));
  EXPECT_TRUE(contains(prov[2].text, "No other provider has a usable key"));
}

TEST_F(EngineTest, EmergencyEmailAndTelegramCarryCountsCauseAndActions) {
  world.ask();
  const Alert e = outbox.of_kind(AlertKind::all_providers_failed).at(0);
  EXPECT_TRUE(contains(e.text, "Groq: 3/3 keys failed (authentication failed) - \"Invalid API Key\""));
  EXPECT_TRUE(contains(e.text, "Gemini: 2/2 keys failed (authentication failed) - \"API key not valid."));
  EXPECT_TRUE(contains(e.text, "Mistral: 1/1 key failed"));
  EXPECT_TRUE(contains(e.text, "All failures are authentication errors"));
  EXPECT_TRUE(contains(e.text, "https://console.groq.com/keys"));
  EXPECT_TRUE(contains(e.text, "https://aistudio.google.com/app/apikey"));
  EXPECT_TRUE(contains(e.text, "https://console.mistral.ai/api-keys"));
  EXPECT_TRUE(contains(e.text, "test with a simple request to verify"));
  EXPECT_EQ(e.telegram,
            "🚨 <b>EMERGENCY ALERT</b>\nAll AI providers authentication failed!\nGroq: 3/3 keys ❌\n"
            "Gemini: 2/2 keys ❌\nMistral: 1/1 key ❌\nPlatform AI is completely down.\nCheck your email for details.");
  EXPECT_EQ(e.channels, kAllChannels);
}

TEST_F(EngineTest, AThousandFurtherFailingRequestsAddNoAlert) {
  world.ask();
  size_t before = outbox.alerts().size();
  // One request a second for ~17 minutes: keys are released after their
  // quarantine, retried, fail again; still the same incident, no new alert.
  for (int i = 0; i < 1000; ++i) {
    world.clock.advance(1s);
    world.ask("request " + std::to_string(i));
    engine->tick(world.clock.wall());
  }
  EXPECT_EQ(outbox.alerts().size(), before);
  EXPECT_GT(engine->stats().alerts_suppressed, 0u);
}

TEST_F(EngineTest, ResolvedAlertCarriesTheTimelineAndDowntime) {
  world.ask();
  world.clock.set_wall(at("2025-11-18T08:12:00Z"));
  RouterConfig fixed = world.fixed_config();
  world.router->reload(fixed);
  engine->set_config(fixed);
  engine->note_keys_updated(world.clock.wall());
  world.clock.set_wall(at("2025-11-18T08:15:00Z"));
  engine->note_restarted(world.clock.wall());
  world.clock.set_wall(at("2025-11-18T08:15:29Z"));
  auto out = world.ask("test");
  ASSERT_EQ(out.kind, RouteOutcome::Kind::provider);

  auto resolved = outbox.of_kind(AlertKind::resolved);
  ASSERT_EQ(resolved.size(), 1u);
  const Alert& r = resolved[0];
  EXPECT_EQ(r.subject, "✅ RESOLVED: All AI Keys Restored");
  EXPECT_TRUE(contains(r.text, "Issue detected: 2025-11-18T08:00:21Z"));
  EXPECT_TRUE(contains(r.text, "Keys updated: 2025-11-18T08:12:00Z"));
  EXPECT_TRUE(contains(r.text, "Platform restarted: 2025-11-18T08:15:00Z"));
  EXPECT_TRUE(contains(r.text, "Full recovery: 2025-11-18T08:15:30Z"));
  EXPECT_TRUE(contains(r.text, "Total downtime: ~15 minutes"));
  EXPECT_TRUE(contains(r.text, "Groq: 1 key operational"));
  EXPECT_EQ(r.channels, kAllChannels);
  EXPECT_TRUE(contains(r.telegram, "RESOLVED"));
  EXPECT_FALSE(engine->incident_open());

  auto status = engine->incident_status_json();
  EXPECT_EQ(status["state"], "none");
  EXPECT_EQ(status["last_resolved"]["downtime"], "~15 minutes");
}

TEST_F(EngineTest, ValidationPassHoldsTheResolvedAlertUntilEveryKeyIsKnown) {
  world.ask();
  world.clock.set_wall(at("2025-11-18T08:15:00Z"));
  // Every key replaced.
  RouterConfig c = default_config();
  apply_env(c,
            parse_env("GROQ_API_KEY_1=g1\nGROQ_API_KEY_2=g2\nGROQ_API_KEY_3=g3\nGEMINI_API_KEY_1=m1\n"
                      "GEMINI_API_KEY_2=m2\nMISTRAL_API_KEY_1=s1\n",
                      ".env")
                .entries,
            {});
  world.transport.valid = {"g1", "g2", "g3", "m1", "m2", "s1"};
  world.router->reload(c);
  engine->set_config(c);
  engine->note_validation_started(world.clock.wall());
  world.validate_all();
  EXPECT_TRUE(outbox.of_kind(AlertKind::resolved).empty()) << "held until the pass ends";
  engine->note_validation_finished(world.clock.wall());
  auto resolved = outbox.of_kind(AlertKind::resolved);
  ASSERT_EQ(resolved.size(), 1u);
  EXPECT_TRUE(contains(resolved[0].text, "Groq: 3 keys operational"));
  EXPECT_TRUE(contains(resolved[0].text, "Mistral: 1 key operational"));
  EXPECT_TRUE(contains(resolved[0].text, "Full recovery: 2025-11-18T08:15:01Z"));
}

TEST_F(EngineTest, RemindersFollowTheIntervalWhileTheIncidentStaysOpen) {
  world.ask();
  size_t before = outbox.alerts().size();
  world.clock.advance(59min);
  engine->tick(world.clock.wall());
  EXPECT_EQ(outbox.alerts().size(), before);
  world.clock.advance(1min);
  engine->tick(world.clock.wall());
  engine->tick(world.clock.wall());
  auto emergency = outbox.of_kind(AlertKind::all_providers_failed);
  ASSERT_EQ(emergency.size(), 2u);
  EXPECT_TRUE(contains(emergency[1].subject, "REMINDER"));
  EXPECT_EQ(emergency[1].channels, kAllChannels);
  world.clock.advance(1h);
  engine->tick(world.clock.wall());
  EXPECT_EQ(outbox.of_kind(AlertKind::all_providers_failed).size(), 3u);
}

TEST_F(EngineTest, StatusJsonDescribesTheOpenIncident) {
  EXPECT_EQ(engine->incident_status_json()["state"], "none");
  world.ask();
  auto s = engine->incident_status_json();
  EXPECT_EQ(s["state"], "open");
  EXPECT_EQ(s["id"], "inc-20251118T080021Z");
  EXPECT_EQ(s["opened_at"], "2025-11-18T08:00:21Z");
  EXPECT_EQ(s["cause"], "all_authentication_failed");
  EXPECT_EQ(s["alerts_sent"], 10);
  ASSERT_EQ(s["providers"].size(), 3u);
  EXPECT_EQ(s["providers"][0]["keys_failed"], 3);
  EXPECT_EQ(s["providers"][0]["cause"], "auth");
}

TEST_F(EngineTest, UntrustedProviderTextCannotBreakOut) {
  world.transport.auth_message["groq"] = "Invalid key\r\nBcc: x@y\r\n<script>alert(1)</script>";
  world.ask();
  for (const auto& a : outbox.alerts()) {
    EXPECT_EQ(a.subject.find_first_of("\r\n"), std::string::npos);
    EXPECT_FALSE(contains(a.text, "\nBcc:")) << a.subject;
    EXPECT_FALSE(contains(a.html, "<script>")) << a.subject;
    EXPECT_FALSE(contains(a.telegram, "<script>"));
  }
  EXPECT_TRUE(contains(outbox.alerts()[0].html, "&lt;script&gt;"));
  EXPECT_TRUE(contains(outbox.alerts()[0].text, "Invalid key Bcc: x@y"));
}

TEST_F(EngineTest, TelegramTextIsEscapedForHtmlParseMode) {
  world.config.providers[0].display_name = "Groq <beta> & co";
  start();
  world.ask();
  auto e = outbox.of_kind(AlertKind::all_providers_failed).at(0);
  EXPECT_TRUE(contains(e.telegram, "Groq &lt;beta&gt; &amp; co: 3/3 keys ❌"));
  EXPECT_FALSE(contains(e.telegram, "<beta>"));
}

// Outside an incident: one alert per key per episode.
TEST_F(EngineTest, AKeyFailingAgainAfterItsQuarantineIsNotRealertedWithoutASuccess) {
  world.transport.valid = {"sk-proj-EXPIRED-BBB"};  // Groq key 2 works
  world.ask();
  ASSERT_EQ(outbox.alerts().size(), 1u);
  EXPECT_FALSE(engine->incident_open());
  world.clock.advance(6min);  // quarantine over: key 1 is tried and fails again
  world.ask("again");
  EXPECT_EQ(outbox.alerts().size(), 1u);
  world.transport.valid.insert("sk-proj-EXPIRED-AAA");  // a success in between ends the episode
  world.clock.advance(11min);
  world.ask("works");
  world.transport.valid.erase("sk-proj-EXPIRED-AAA");
  world.clock.advance(1s);
  world.ask("fails again");
  EXPECT_EQ(outbox.of_kind(AlertKind::key_auth_failed).size(), 2u);
  EXPECT_NE(outbox.alerts()[0].id, outbox.alerts()[1].id);
}

TEST_F(EngineTest, AKeyStillFailingAfterTheReminderIntervalIsAlertedAgain) {
  world.transport.valid = {"sk-proj-EXPIRED-BBB"};
  world.ask();
  world.clock.advance(61min);
  world.ask("later");
  EXPECT_EQ(outbox.of_kind(AlertKind::key_auth_failed).size(), 2u);
}

TEST_F(EngineTest, QuotaAndOutageHaveTheirOwnAlerts) {
  // Events carry the pool as it stands: here every other key is healthy.
  KeyPool pool(world.config);
  PoolEvent e{};
  e.view = pool.view();
  e.kind = PoolEventKind::key_exhausted;
  e.at = world.clock.wall();
  e.provider = "gemini";
  e.key_index = 2;
  e.masked_key = "AIza...YYY";
  e.cls = ErrorClass::quota_exhausted;
  e.status = 429;
  e.message = "You exceeded your current quota";
  e.until = next_midnight_utc(e.at);
  engine->on_pool_event(e);
  engine->on_pool_event(e);
  auto q = outbox.of_kind(AlertKind::quota_exhausted);
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].subject, "⚠️ Gemini Key 2 Quota Exhausted");
  EXPECT_TRUE(contains(q[0].text, "Usable again: 2025-11-19T00:00:00Z"));

  PoolEvent ej{};
  ej.view = pool.view();
  ej.kind = PoolEventKind::provider_ejected;
  ej.at = world.clock.wall();
  ej.provider = "groq";
  ej.cls = ErrorClass::provider_outage;
  ej.message = "Service Unavailable";
  ej.until = ej.at + 30s;
  engine->on_pool_event(ej);
  auto o = outbox.of_kind(AlertKind::provider_outage);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_TRUE(contains(o[0].text, "not its keys"));
  EXPECT_TRUE(contains(o[0].text, "Requests are being routed to Gemini."));
  EXPECT_TRUE(outbox.of_kind(AlertKind::key_auth_failed).empty());
}

TEST_F(EngineTest, DisabledKindsAreNotSent) {
  policy.set_enabled(AlertKind::key_auth_failed, false);
  start();
  world.ask();
  EXPECT_TRUE(outbox.of_kind(AlertKind::key_auth_failed).empty());
  EXPECT_EQ(outbox.of_kind(AlertKind::all_providers_failed).size(), 1u);
}

}  // namespace
}  // namespace keyward
