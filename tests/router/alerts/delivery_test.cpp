// The founding scenario end to end through the outbox and the dispatcher to
// the fake sinks: what an operator would actually receive.
#include <gtest/gtest.h>

#include <set>

#include "router/alerts/dispatcher.h"
#include "router/core/incidents.h"
#include "tests/router/alerts/sink_world.h"
#include "tests/router/store/founding_world.h"

namespace keyward::alerts {
namespace {

using namespace std::chrono_literals;

struct Delivery : ::testing::Test {
  test::SinkWorld sinks;
  test::FoundingWorld world;
  store::MemoryOutbox queue;
  MemoryIncidentStore incidents;
  std::unique_ptr<AlertDispatcher> dispatcher;
  std::unique_ptr<IncidentEngine> engine;

  void SetUp() override {
    dispatcher = std::make_unique<AlertDispatcher>(queue, world.clock, make_channels(sinks.settings));
    engine = std::make_unique<IncidentEngine>(world.config, AlertPolicy{}, world.clock, *dispatcher, incidents);
    world.start(engine.get());
  }
};

TEST_F(Delivery, FoundingSequenceArrivesAsTenEmailsOneTelegramTenWebhooks) {
  world.ask();
  world.ask("again");  // more failing requests: nothing more
  EXPECT_EQ(dispatcher->drain_once(), 21u);
  auto mails = sinks.smtp().messages();
  ASSERT_EQ(mails.size(), 10u);
  EXPECT_EQ(mails[0].subject, "❌ Groq Key 1 Authentication Failed");
  EXPECT_EQ(mails[6].subject, "🚨 CRITICAL: All Gemini Keys Failed!") << "in the order they were raised";
  EXPECT_EQ(mails[9].subject, "🚨 EMERGENCY: All AI Keys Failed!");
  EXPECT_NE(mails[9].body.find("https://console.mistral.ai/api-keys"), std::string::npos);
  EXPECT_NE(mails[9].html.find("<a href=\"https://console.groq.com/keys\">"), std::string::npos);
  EXPECT_EQ(mails[0].envelope_to, (std::vector<std::string>{"ops@example.com"}));
  EXPECT_EQ(mails[0].auth_user, "alerts");
  EXPECT_EQ(mails[0].message_id.rfind("<kw-", 0), 0u);

  auto tg = sinks.telegram().messages();
  ASSERT_EQ(tg.size(), 1u);
  EXPECT_EQ(tg[0].parse_mode, "HTML");
  EXPECT_EQ(tg[0].chat_id, "42");
  EXPECT_NE(tg[0].plain_text.find("EMERGENCY ALERT\nAll AI providers authentication failed!\nGroq: 3/3 keys ❌"),
            std::string::npos)
      << tg[0].plain_text;
  EXPECT_NE(tg[0].plain_text.find("Mistral: 1/1 key ❌"), std::string::npos);

  auto hooks = sinks.webhook().messages();
  ASSERT_EQ(hooks.size(), 10u);
  const auto& last = hooks[9].body;
  EXPECT_EQ(last["kind"], "all_providers_failed");
  EXPECT_EQ(last["severity"], "emergency");
  EXPECT_EQ(last["incident_id"], "inc-20251118T080021Z");
  EXPECT_EQ(last["created_at"], "2025-11-18T08:00:21Z");
  EXPECT_TRUE(last["text"].get<std::string>().rfind("🚨 EMERGENCY", 0) == 0);
  EXPECT_EQ(dispatcher->drain_once(), 0u) << "exactly once";
}

TEST_F(Delivery, SmtpDownForTenMinutesLosesNothingAndDuplicatesNothing) {
  fakes::SinkFault down;
  down.kind = fakes::SinkFault::Kind::down;
  sinks.smtp().set_fault(down);
  world.ask();
  dispatcher->drain_once();
  EXPECT_EQ(sinks.smtp().messages().size(), 0u);
  EXPECT_EQ(sinks.telegram().messages().size(), 1u) << "a dead SMTP server does not hold up Telegram";
  EXPECT_EQ(sinks.webhook().messages().size(), 10u);
  // Ten simulated minutes of retries, then the server comes back.
  for (int step = 1; step <= 50; ++step) {
    world.clock.advance(30s);
    if (step == 20) sinks.smtp().clear_faults();
    dispatcher->drain_once();
  }
  auto mails = sinks.smtp().messages();
  ASSERT_EQ(mails.size(), 10u);
  std::set<std::string> ids;
  for (const auto& m : mails) ids.insert(m.message_id);
  EXPECT_EQ(ids.size(), 10u) << "no duplicates";
  EXPECT_EQ(sinks.telegram().messages().size(), 1u);
  EXPECT_EQ(sinks.webhook().messages().size(), 10u);
  EXPECT_EQ(queue.counts().pending, 0u);
  EXPECT_GT(dispatcher->stats().failures, 0u);
}

TEST_F(Delivery, ProviderTextCannotInjectMailHeaders) {
  world.transport.auth_message["groq"] = "Invalid key\r\nBcc: x@y";
  world.ask();
  dispatcher->drain_once();
  auto mails = sinks.smtp().messages();
  ASSERT_EQ(mails.size(), 10u);
  for (const auto& m : mails) {
    EXPECT_EQ(m.header("Bcc"), "");
    EXPECT_EQ(m.envelope_to, (std::vector<std::string>{"ops@example.com"}));
    EXPECT_EQ(m.raw.substr(0, m.raw.find("\r\n\r\n")).find("x@y"), std::string::npos);
  }
  EXPECT_NE(mails[0].body.find("Error: Invalid key Bcc: x@y (HTTP 401)"), std::string::npos) << mails[0].body;
}

TEST_F(Delivery, ResolvedAlertReachesEveryChannel) {
  world.ask();
  world.clock.set_wall(test::at("2025-11-18T08:15:29Z"));
  auto fixed = world.fixed_config();
  world.router->reload(fixed);
  engine->set_config(fixed);
  engine->note_restarted(world.clock.wall());
  world.ask("test");
  dispatcher->drain_once();
  auto mails = sinks.smtp().messages();
  ASSERT_EQ(mails.size(), 11u);
  EXPECT_EQ(mails.back().subject, "✅ RESOLVED: All AI Keys Restored");
  EXPECT_NE(mails.back().body.find("Total downtime: ~15 minutes"), std::string::npos);
  auto tg = sinks.telegram().messages();
  ASSERT_EQ(tg.size(), 2u);
  EXPECT_NE(tg[1].plain_text.find("RESOLVED"), std::string::npos);
}

TEST_F(Delivery, UnconfiguredChannelsAreSkippedNotRetried) {
  ChannelSettings email_only = sinks.settings;
  email_only.telegram_token.clear();
  email_only.webhook_url.clear();
  store::MemoryOutbox q;
  AlertDispatcher d(q, world.clock, make_channels(email_only));
  IncidentEngine e(world.config, AlertPolicy{}, world.clock, d, incidents);
  world.start(&e);
  world.ask();
  EXPECT_EQ(d.drain_once(), 10u);
  EXPECT_EQ(d.stats().skipped, 11u);
  EXPECT_FALSE(q.next_due().has_value());
}

TEST_F(Delivery, TheWorkerThreadDeliversWithoutBlockingTheCaller) {
  dispatcher->start();
  world.ask();  // returns at once; delivery happens on the worker
  EXPECT_TRUE(sinks.smtp().wait_for_messages(10, 10s));
  EXPECT_TRUE(sinks.telegram().wait_for_messages(1, 10s));
  dispatcher->stop();
  EXPECT_EQ(sinks.smtp().messages().size(), 10u);
}

}  // namespace
}  // namespace keyward::alerts
