// Channel settings from .env and YAML; the start-up line never shows a secret.
#include "router/alerts/settings.h"

#include <gtest/gtest.h>

namespace keyward::alerts {
namespace {

EnvMap env_of(const std::string& text) { return parse_env(text, ".env").entries; }

TEST(ChannelSettings, FromEnvironment) {
  auto s = channel_settings_from_env(env_of(
      "SMTP_URL=smtp://alerts:s3cr3t-pass@127.0.0.1:2525\nALERT_EMAIL_FROM=Keyward <k@example.com>\n"
      "ALERT_EMAIL_TO=ops@example.com, oncall@example.com\nTELEGRAM_BOT_TOKEN=123456:ABC-SECRET-TOKEN\n"
      "TELEGRAM_CHAT_ID=-100123\nTELEGRAM_API_URL=http://127.0.0.1:9000\n"));
  EXPECT_TRUE(s.email_on());
  EXPECT_EQ(s.email_to, (std::vector<std::string>{"ops@example.com", "oncall@example.com"}));
  EXPECT_TRUE(s.telegram_on());
  EXPECT_EQ(s.telegram_api_url, "http://127.0.0.1:9000");
  EXPECT_FALSE(s.webhook_on());
  EXPECT_EQ(channels_status_json(s), (nlohmann::json{{"email", true}, {"telegram", true}, {"webhook", false}}));

  std::string line = channels_log_line(s);
  EXPECT_EQ(line.find("s3cr3t-pass"), std::string::npos) << line;
  EXPECT_EQ(line.find("ABC-SECRET-TOKEN"), std::string::npos) << line;
  EXPECT_NE(line.find("email on (smtp://alerts:****@127.0.0.1:2525 -> ops@example.com, oncall@example.com)"),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("bot 123456:****"), std::string::npos) << line;
  EXPECT_NE(line.find("webhook off"), std::string::npos);
}

TEST(ChannelSettings, NothingConfiguredMeansAllOff) {
  auto s = channel_settings_from_env({});
  EXPECT_FALSE(s.email_on());
  EXPECT_FALSE(s.telegram_on());
  EXPECT_EQ(channels_log_line(s), "Alert channels: email off, telegram off, webhook off");
  EXPECT_TRUE(make_channels(s).empty());
  EXPECT_EQ(s.telegram_api_url, "https://api.telegram.org");
}

TEST(ChannelSettings, WebhookPathIsMasked) {
  EXPECT_EQ(mask_url_path("https://hooks.slack.com/services/T0/B0/XXXX"), "https://hooks.slack.com/****");
  EXPECT_EQ(mask_url_password("smtps://u@host:465"), "smtps://u@host:465");
  EXPECT_EQ(mask_bot_token("nocolon"), "****");
}

TEST(AlertSettings, FromYamlThenEnvironmentWins) {
  const char* yaml = R"(
providers: []            # the router's business, ignored here
alerts:
  reminder_interval: 30m
  dedup_window: 2h
  disabled: [quota_exhausted]
  email: {smtp_url: "smtps://u:p@mail.example.com:465", from: "K <k@x.com>", to: [a@x.com, b@x.com]}
  webhook: {url: "http://127.0.0.1:8080/hook"}
schedules:
  health_check: "07:30"
  expiry_warning: 3d
)";
  auto s = load_alert_settings(yaml, "keyward.yaml", env_of("ALERT_EMAIL_TO=c@x.com\n"));
  EXPECT_EQ(s.policy.reminder_interval, std::chrono::minutes(30));
  EXPECT_EQ(s.policy.dedup_window, std::chrono::hours(2));
  EXPECT_EQ(AlertPolicy{}.dedup_window, std::chrono::hours(1)) << "the default";
  EXPECT_FALSE(s.policy.enabled(AlertKind::quota_exhausted));
  EXPECT_TRUE(s.policy.enabled(AlertKind::key_auth_failed));
  EXPECT_EQ(s.channels.smtp_url, "smtps://u:p@mail.example.com:465");
  EXPECT_EQ(s.channels.email_to, (std::vector<std::string>{"c@x.com"})) << "environment wins";
  EXPECT_TRUE(s.channels.webhook_on());
  EXPECT_EQ(s.schedules.health_check_minute_utc, 7 * 60 + 30);
  EXPECT_EQ(s.schedules.expiry_warning, std::chrono::hours(72));
}

TEST(AlertSettings, UnknownFieldsNameFileLineAndPath) {
  try {
    alert_settings_from_yaml("alerts:\n  email:\n    smtp: x\n", "keyward.yaml");
    FAIL() << "expected SchemaError";
  } catch (const SchemaError& e) {
    EXPECT_STREQ(e.what(), "keyward.yaml:3: alerts.email.smtp: unknown field 'smtp'");
  }
  EXPECT_THROW(alert_settings_from_yaml("schedules: {health_check: '25:00'}\n", "k.yaml"), SchemaError);
}

}  // namespace
}  // namespace keyward::alerts
