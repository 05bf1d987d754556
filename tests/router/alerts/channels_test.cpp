// Each channel on its own against its fake sink.
#include <gtest/gtest.h>

#include "base/utc_time.h"
#include "router/alerts/smtp_channel.h"
#include "router/alerts/telegram_channel.h"
#include "router/alerts/webhook_channel.h"
#include "router/core/alert_messages.h"
#include "tests/router/alerts/sink_world.h"

namespace keyward::alerts {
namespace {

Alert sample() {
  Alert a;
  a.id = make_alert_id("inc-1", AlertKind::provider_all_keys_failed, "groq");
  a.incident_id = "inc-1";
  a.kind = AlertKind::provider_all_keys_failed;
  a.severity = AlertSeverity::critical;
  a.subject = "🚨 CRITICAL: All Groq Keys Failed!";
  a.text = "All Groq Keys Failed\n.\nSystem has fallen back to Gemini.\n";
  a.html = "<p>All Groq Keys Failed &amp; more</p>";
  a.telegram = "<b>x</b> &lt;y&gt;";
  a.channels = kAllChannels;
  parse_iso8601("2025-11-18T08:00:18Z", &a.created_at);
  return a;
}

TEST(SmtpChannel, DeliversWithADecodedEmojiSubjectAndStableMessageId) {
  test::SinkWorld sinks;
  auto channels = make_channels(sinks.settings);
  Alert a = sample();
  auto r = channels[0]->send(a);
  ASSERT_TRUE(r.ok) << r.error;
  auto mails = sinks.smtp().messages();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].subject, "🚨 CRITICAL: All Groq Keys Failed!");
  EXPECT_EQ(mails[0].message_id, "<" + a.id + "@keyward>");
  auto chomp = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
  };
  EXPECT_EQ(chomp(mails[0].body), chomp(a.text)) << "a lone '.' line survives (dot-stuffing)";
  EXPECT_EQ(mails[0].html, a.html);
  EXPECT_EQ(mails[0].header("Date"), "Tue, 18 Nov 2025 08:00:18 +0000");
  EXPECT_EQ(mails[0].envelope_from, "keyward@example.com");
}

TEST(SmtpChannel, ASubjectWithLineBreaksInjectsNoHeader) {
  test::SinkWorld sinks;
  Alert a = sample();
  a.subject = "❌ Groq Key 1 Authentication Failed\r\nBcc: x@y";  // even if a builder forgot one_line()
  auto r = make_channels(sinks.settings)[0]->send(a);
  ASSERT_TRUE(r.ok) << r.error;
  auto m = sinks.smtp().messages().at(0);
  EXPECT_EQ(m.header("Bcc"), "");
  EXPECT_EQ(m.subject, "❌ Groq Key 1 Authentication Failed Bcc: x@y");
}

TEST(SmtpChannel, ARefusedConnectionIsAnErrorWithoutThePassword) {
  SmtpOptions o;
  o.url = "smtp://alerts:hunter2@127.0.0.1:1";
  o.envelope = {"k@example.com", {"ops@example.com"}};
  auto r = SmtpChannel(o).send(sample());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.find("hunter2"), std::string::npos) << r.error;
}

TEST(TelegramChannel, SendsHtmlParseModeToTheConfiguredBotApi) {
  test::SinkWorld sinks;
  TelegramChannel ch({sinks.settings.telegram_api_url, "123:ABC", "42", {}});
  auto r = ch.send(sample());
  ASSERT_TRUE(r.ok) << r.error;
  auto m = sinks.telegram().messages().at(0);
  EXPECT_EQ(m.text, "<b>x</b> &lt;y&gt;");
  EXPECT_EQ(m.plain_text, "x <y>");
  EXPECT_EQ(m.parse_mode, "HTML");
}

TEST(TelegramChannel, AWrongTokenFailsWithoutPrintingIt) {
  test::SinkWorld sinks;
  TelegramChannel ch({sinks.settings.telegram_api_url, "999:WRONG-SECRET", "42", {}});
  auto r = ch.send(sample());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.find("WRONG-SECRET"), std::string::npos) << r.error;
}

TEST(WebhookChannel, PostsTheDocumentedJson) {
  test::SinkWorld sinks;
  WebhookChannel ch({sinks.settings.webhook_url, {}});
  Alert a = sample();
  auto r = ch.send(a);
  ASSERT_TRUE(r.ok) << r.error;
  auto m = sinks.webhook().messages().at(0);
  EXPECT_EQ(m.body["alert_id"], a.id);
  EXPECT_EQ(m.body["kind"], "provider_all_keys_failed");
  EXPECT_EQ(m.body["severity"], "critical");
  EXPECT_EQ(m.body["subject"], a.subject);
  EXPECT_EQ(m.body["body"], a.text);
  EXPECT_EQ(m.body["incident_id"], "inc-1");
  EXPECT_EQ(m.body["created_at"], "2025-11-18T08:00:18Z");
  EXPECT_EQ(m.body["text"].get<std::string>().rfind(a.subject, 0), 0u);
}

TEST(WebhookChannel, A5xxIsARetryableFailure) {
  test::SinkWorld sinks;
  fakes::SinkFault f;
  f.kind = fakes::SinkFault::Kind::status;
  f.status = 503;
  sinks.webhook().set_fault(f);
  WebhookChannel ch({sinks.settings.webhook_url, {}});
  auto r = ch.send(sample());
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("HTTP 503"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace keyward::alerts
