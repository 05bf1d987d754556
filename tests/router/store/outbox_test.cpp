// The persistent outbox: idempotent, leased, retried with capped backoff,
// bounded, and still there after a reopen.
#include "router/store/outbox.h"

#include <gtest/gtest.h>

#include "router/core/alert_messages.h"
#include "tests/router/core/fixtures.h"
#include "tests/router/store/store_test_util.h"

namespace keyward::store {
namespace {

using namespace std::chrono_literals;
using test::at;

Alert alert(const std::string& subject, unsigned channels, WallTime t) {
  Alert a;
  a.id = make_alert_id("inc-1", AlertKind::key_auth_failed, subject);
  a.kind = AlertKind::key_auth_failed;
  a.dedup_subject = subject;
  a.subject = "❌ " + subject;
  a.text = "body";
  a.channels = channels;
  a.created_at = t;
  return a;
}

// Both implementations must behave the same.
class OutboxContract : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      std::string error;
      sqlite_ = SqliteOutbox::open(db_.path(), &error, policy_);
      ASSERT_TRUE(sqlite_) << error;
      q_ = sqlite_.get();
    } else {
      memory_ = std::make_unique<MemoryOutbox>(policy_);
      q_ = memory_.get();
    }
  }
  test::TempDb db_;
  RetryPolicy policy_{10s, 5min, 1min, 5};
  std::unique_ptr<SqliteOutbox> sqlite_;
  std::unique_ptr<MemoryOutbox> memory_;
  DeliveryQueue* q_ = nullptr;
  WallTime t0 = at("2025-11-18T08:00:15Z");
};

TEST_P(OutboxContract, EnqueueIsIdempotentOnTheAlertId) {
  EXPECT_TRUE(q_->enqueue(alert("groq#1", channel_email | channel_webhook, t0)));
  EXPECT_FALSE(q_->enqueue(alert("groq#1", channel_email | channel_webhook, t0)));
  auto c = q_->counts();
  EXPECT_EQ(c.alerts, 1u);
  EXPECT_EQ(c.pending, 2u);
}

TEST_P(OutboxContract, ClaimLeasesAndDeliveryIsPerChannel) {
  q_->enqueue(alert("groq#1", channel_email | channel_webhook, t0));
  q_->enqueue(alert("groq#2", channel_email, t0 + 1s));
  auto items = q_->claim_due(t0, 10);
  ASSERT_EQ(items.size(), 2u) << "one row per channel; the second alert is not due yet";
  items = q_->claim_due(t0 + 1s, 10);
  ASSERT_EQ(items.size(), 1u) << "claimed rows are leased";
  EXPECT_EQ(items[0].alert.dedup_subject, "groq#2");
  q_->mark_delivered(items[0].alert.id, items[0].channel, t0 + 1s);
  EXPECT_TRUE(q_->claim_due(t0 + 30s, 10).empty());
  auto again = q_->claim_due(t0 + 2min, 10);  // lease over, never marked: claimed again
  EXPECT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].alert.subject, "❌ groq#1");
}

TEST_P(OutboxContract, RetriesBackOffExponentiallyUpToTheCap) {
  q_->enqueue(alert("groq#1", channel_email, t0));
  WallTime now = t0;
  std::vector<Millis> gaps;
  for (int i = 0; i < 7; ++i) {
    auto items = q_->claim_due(now, 10);
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0].attempts, i);
    q_->schedule_retry(items[0].alert.id, channel_email, now, "421 down");
    WallTime due = *q_->next_due();
    gaps.push_back(std::chrono::duration_cast<Millis>(due - now));
    now = due;
  }
  EXPECT_EQ(gaps, (std::vector<Millis>{10s, 20s, 40s, 80s, 160s, 300s, 300s}));
}

TEST_P(OutboxContract, SkippedChannelsAreNotRetried) {
  q_->enqueue(alert("groq#1", channel_telegram, t0));
  auto items = q_->claim_due(t0, 10);
  ASSERT_EQ(items.size(), 1u);
  q_->mark_skipped(items[0].alert.id, channel_telegram, "telegram is off");
  EXPECT_FALSE(q_->next_due().has_value());
  EXPECT_EQ(q_->counts().skipped, 1u);
}

TEST_P(OutboxContract, IsBoundedPruningDeliveredFirst) {
  for (int i = 0; i < 5; ++i) q_->enqueue(alert("k" + std::to_string(i), channel_email, t0));
  auto items = q_->claim_due(t0, 2);
  for (const auto& it : items) q_->mark_delivered(it.alert.id, it.channel, t0);  // k0, k1 delivered
  q_->enqueue(alert("k5", channel_email, t0));
  q_->enqueue(alert("k6", channel_email, t0));
  auto c = q_->counts();
  EXPECT_EQ(c.alerts, 5u);
  EXPECT_EQ(c.dropped, 0u) << "only delivered alerts were pruned";
  EXPECT_EQ(c.pending, 5u);
  q_->enqueue(alert("k7", channel_email, t0));
  c = q_->counts();
  EXPECT_EQ(c.alerts, 5u);
  EXPECT_EQ(c.dropped, 1u) << "full of pending alerts: the oldest is dropped and counted";
}

INSTANTIATE_TEST_SUITE_P(Both, OutboxContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "sqlite" : "memory"; });

TEST(SqliteOutbox, SurvivesAReopen) {
  test::TempDb db;
  std::string error;
  WallTime t0 = at("2025-11-18T08:00:15Z");
  Alert a = alert("groq#1", channel_email | channel_telegram, t0);
  a.html = "<p>x</p>";
  a.telegram = "<b>x</b>";
  {
    auto q = SqliteOutbox::open(db.path(), &error);
    ASSERT_TRUE(q) << error;
    ASSERT_TRUE(q->enqueue(a));
    auto items = q->claim_due(t0, 10);
    q->mark_delivered(a.id, channel_email, t0);
  }
  auto q = SqliteOutbox::open(db.path(), &error);
  ASSERT_TRUE(q) << error;
  EXPECT_FALSE(q->enqueue(a)) << "still known after a restart";
  auto items = q->claim_due(t0 + 10min, 10);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].channel, channel_telegram);
  EXPECT_EQ(items[0].alert.subject, a.subject);
  EXPECT_EQ(items[0].alert.telegram, a.telegram);
  EXPECT_EQ(items[0].alert.created_at, t0);
}

TEST(SqliteOutbox, OpenFailsWithAMessageNotAnException) {
  std::string error;
  EXPECT_EQ(SqliteOutbox::open("/nonexistent-dir/x/y.db", &error), nullptr);
  EXPECT_NE(error.find("/nonexistent-dir/x/y.db"), std::string::npos);
}

}  // namespace
}  // namespace keyward::store
