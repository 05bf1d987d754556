// The words of alerts, and the helpers that keep untrusted text in its place.
#include "router/core/alert_messages.h"

#include <gtest/gtest.h>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using test::at;

TEST(OneLine, StripsLineBreaksAndControlCharacters) {
  EXPECT_EQ(one_line("Invalid key\r\nBcc: x@y"), "Invalid key Bcc: x@y");
  EXPECT_EQ(one_line(std::string("a\0b\x1b[31mc\x7f", 11)), "ab[31mc");
  EXPECT_EQ(one_line("  \n"), "");
}

TEST(OneLine, CutsOnAUtf8Boundary) {
  std::string s = "ab❌❌❌";  // ❌ is 3 bytes
  std::string cut = one_line(s, 4);
  EXPECT_EQ(cut, "ab...");
  EXPECT_EQ(one_line(s, 5), "ab❌...");
}

TEST(AlertId, IsStableAndDependsOnEveryPart) {
  auto a = make_alert_id("inc-1", AlertKind::key_auth_failed, "groq#1");
  EXPECT_EQ(a, "kw-b32ff3071887201d");  // ids already in outboxes and journals stay valid
  EXPECT_EQ(a, make_alert_id("inc-1", AlertKind::key_auth_failed, "groq#1"));
  EXPECT_EQ(a.size(), 19u);
  EXPECT_EQ(a.rfind("kw-", 0), 0u);
  EXPECT_NE(a, make_alert_id("inc-2", AlertKind::key_auth_failed, "groq#1"));
  EXPECT_NE(a, make_alert_id("inc-1", AlertKind::quota_exhausted, "groq#1"));
  EXPECT_NE(a, make_alert_id("inc-1", AlertKind::key_auth_failed, "groq#2"));
  EXPECT_NE(make_alert_id("ab", AlertKind::resolved, "c"), make_alert_id("a", AlertKind::resolved, "bc"));
}

TEST(AlertJson, RoundTrips) {
  Alert a;
  a.id = "kw-1";
  a.incident_id = "inc-1";
  a.kind = AlertKind::all_providers_failed;
  a.severity = AlertSeverity::emergency;
  a.dedup_subject = "all";
  a.subject = "🚨 EMERGENCY: All AI Keys Failed!";
  a.text = "body\n";
  a.html = "<p>x</p>";
  a.telegram = "<b>x</b>";
  a.channels = channel_email | channel_telegram;
  a.created_at = at("2025-11-18T08:00:21Z");
  Alert b;
  ASSERT_TRUE(alert_from_json(alert_to_json(a), &b));
  EXPECT_EQ(b.id, a.id);
  EXPECT_EQ(b.kind, a.kind);
  EXPECT_EQ(b.severity, a.severity);
  EXPECT_EQ(b.subject, a.subject);
  EXPECT_EQ(b.channels, a.channels);
  EXPECT_EQ(b.created_at, a.created_at);
  EXPECT_EQ(b.telegram, a.telegram);
  EXPECT_FALSE(alert_from_json(nlohmann::json::parse(R"({"id":"x","kind":"nope"})"), &b));
  EXPECT_FALSE(alert_from_json(nlohmann::json::array(), &b));
}

TEST(EmergencyMessage, RootCauseComesFromTheVerdictNotAGuess) {
  RouterConfig cfg = test::founding_config();
  Verdict v;
  v.cause = EmergencyCause::all_quota_exhausted;
  ProviderVerdict g;
  g.name = "groq";
  g.display_name = "Groq";
  g.keys_total = 3;
  g.quota = 3;
  g.cause = ErrorClass::quota_exhausted;
  v.providers.push_back(g);
  Alert a = build_emergency(cfg, v, "inc-1", at("2025-11-18T20:00:00Z"));
  EXPECT_NE(a.text.find("Every key has used its quota"), std::string::npos);
  EXPECT_EQ(a.text.find("authentication errors"), std::string::npos);
  EXPECT_NE(a.telegram.find("All AI keys have used their quota!"), std::string::npos);

  v.cause = EmergencyCause::all_providers_unavailable;
  v.providers[0].quota = 0;
  v.providers[0].outage = 3;
  v.providers[0].cause = ErrorClass::provider_outage;
  a = build_emergency(cfg, v, "inc-1", at("2025-11-18T20:00:00Z"));
  EXPECT_EQ(a.subject, "🚨 EMERGENCY: All AI Providers Unavailable!");
  EXPECT_NE(a.text.find("do not replace them"), std::string::npos);
}

TEST(ExpiringMessage, NamesTheKeyAndTheDate) {
  RouterConfig cfg = test::founding_config();
  KeyConfig k = cfg.providers[0].keys[0];
  k.expires = at("2025-11-25");
  Alert a = build_key_expiring(cfg.providers[0], k, at("2025-11-18T09:00:00Z"));
  EXPECT_EQ(a.subject, "⏰ Groq Key 1 Expires on 2025-11-25");
  EXPECT_NE(a.text.find("Expires: 2025-11-25 (in 6 days)"), std::string::npos) << a.text;
  EXPECT_NE(a.text.find("https://console.groq.com/keys"), std::string::npos);
  EXPECT_EQ(a.kind, AlertKind::key_expiring);
}

TEST(HealthCheckMessage, ListsOnlyTheFailedKeys) {
  RouterConfig cfg = test::founding_config();
  std::vector<KeyCheckResult> results{{"groq", 1, "sk-proj-...AAA", ErrorClass::ok, 200, ""},
                                      {"groq", 2, "sk-proj-...BBB", ErrorClass::auth, 401, "Invalid API Key"},
                                      {"gemini", 1, "AIza...XXX", ErrorClass::ok, 200, ""}};
  auto a = build_health_check_failed(cfg, results, at("2025-11-19T06:00:00Z"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->subject, "🩺 Key Health Check: 1 of 3 Keys Failed");
  EXPECT_NE(a->text.find("Groq Key 2 (sk-proj-...BBB): authentication failed - Invalid API Key (HTTP 401)"),
            std::string::npos);
  EXPECT_EQ(a->text.find("Groq Key 1 ("), std::string::npos);
  results[1].cls = ErrorClass::ok;
  EXPECT_FALSE(build_health_check_failed(cfg, results, at("2025-11-19T06:00:00Z")).has_value());
}

}  // namespace
}  // namespace keyward
