// The persistent outbox: idempotent, leased, retried with capped backoff,
// bounded, and still there after a reopen.
#include "router/store/outbox.h"

#include "router/store/alert_store.h"
#include "router/store/sqlite_backend.h"

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

// The outbox in memory and the store that persists it must behave the same.
class OutboxContract : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      std::string error;
      auto opened = SqliteBackend::open(db_.path(), t0, &error);
      ASSERT_TRUE(opened) << error;
      AlertStoreOptions o;
      o.retry = policy_;
      store_ = std::make_unique<AlertStore>(std::move(opened->backend), std::move(opened->loaded), clock_, o);
      q_ = store_.get();
    } else {
      memory_ = std::make_unique<MemoryOutbox>(policy_);
      q_ = memory_.get();
    }
  }
  void TearDown() override {
    if (store_) {
      EXPECT_TRUE(store_->flush(std::chrono::seconds(30)));
    }
  }
  test::TempDb db_;
  RetryPolicy policy_{10s, 5min, 1min, 5};
  WallTime t0 = at("2025-11-18T08:00:15Z");
  SimClock clock_{t0};
  std::unique_ptr<AlertStore> store_;
  std::unique_ptr<MemoryOutbox> memory_;
  DeliveryQueue* q_ = nullptr;
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

TEST_P(OutboxContract, ClaimOldestProbesAChannelWhateverItsBackoff) {
  q_->enqueue(alert("groq#1", channel_email, t0));
  q_->enqueue(alert("groq#2", channel_email | channel_webhook, t0 + 1s));
  auto first = q_->claim_due(t0 + 1s, 10);
  ASSERT_EQ(first.size(), 3u);
  for (const auto& it : first) q_->schedule_retry(it.alert.id, it.channel, t0 + 1s, "down");
  EXPECT_TRUE(q_->claim_due(t0 + 2s, 10).empty()) << "backing off";
  auto probe = q_->claim_oldest(channel_email, t0 + 2s);
  ASSERT_TRUE(probe);
  EXPECT_EQ(probe->alert.dedup_subject, "groq#1") << "the oldest of the channel";
  q_->mark_delivered(probe->alert.id, channel_email, t0 + 2s);
  q_->make_due(channel_email, t0 + 2s);
  auto rest = q_->claim_due(t0 + 2s, 10);
  ASSERT_EQ(rest.size(), 1u) << "only the channel that answered is due again";
  EXPECT_EQ(rest[0].channel, channel_email);
  EXPECT_EQ(rest[0].alert.dedup_subject, "groq#2");
  EXPECT_FALSE(q_->claim_oldest(channel_telegram, t0 + 2s)) << "nothing pending there";
}

INSTANTIATE_TEST_SUITE_P(Both, OutboxContract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "sqlite_store" : "memory"; });

std::unique_ptr<AlertStore> open_store(const std::string& path, SimClock& clock) {
  std::string error;
  auto opened = SqliteBackend::open(path, clock.wall(), &error);
  EXPECT_TRUE(opened) << error;
  if (!opened) return nullptr;
  return std::make_unique<AlertStore>(std::move(opened->backend), std::move(opened->loaded), clock);
}

TEST(AlertStore, OutboxSurvivesAReopen) {
  test::TempDb db;
  WallTime t0 = at("2025-11-18T08:00:15Z");
  SimClock clock(t0);
  Alert a = alert("groq#1", channel_email | channel_telegram, t0);
  a.html = "<p>x</p>";
  a.telegram = "<b>x</b>";
  {
    auto q = open_store(db.path(), clock);
    ASSERT_TRUE(q->enqueue(a));
    auto items = q->claim_due(t0, 10);
    q->mark_delivered(a.id, channel_email, t0);
    q->schedule_retry(a.id, channel_telegram, t0, "429");
  }  // the destructor writes what is left
  auto q = open_store(db.path(), clock);
  EXPECT_FALSE(q->enqueue(a)) << "still known after a restart";
  auto items = q->claim_due(t0 + 10min, 10);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].channel, channel_telegram);
  EXPECT_EQ(items[0].attempts, 1);
  EXPECT_EQ(items[0].alert.subject, a.subject);
  EXPECT_EQ(items[0].alert.telegram, a.telegram);
  EXPECT_EQ(items[0].alert.created_at, t0);
  EXPECT_EQ(q->counts().delivered, 1u);
}

TEST(AlertStore, ARowLeasedByAKilledProcessIsDueAtOnceInTheNextOne) {
  // The duplicate window after a crash mid-send is the lease (60 s, one send
  // at most takes 15 s) and a restart cuts it short: App::start makes every
  // pending row due (make_due) as the next process begins.
  EXPECT_EQ(RetryPolicy{}.lease, std::chrono::seconds(60));
  test::TempDb db;
  WallTime t0 = at("2025-11-18T08:00:15Z");
  SimClock clock(t0);
  Alert a = alert("groq#1", channel_email, t0);
  {
    auto q = open_store(db.path(), clock);
    q->enqueue(a);
    ASSERT_EQ(q->claim_due(t0, 10).size(), 1u);  // in flight when the process dies
  }
  auto q = open_store(db.path(), clock);
  EXPECT_TRUE(q->claim_due(t0 + 1s, 10).empty()) << "the lease was persisted";
  q->make_due(channel_email, t0 + 1s);
  EXPECT_EQ(q->claim_due(t0 + 1s, 10).size(), 1u);
}

TEST(SqliteBackend, OpenFailsWithAMessageNotAnException) {
  std::string error;
  EXPECT_FALSE(SqliteBackend::open("/nonexistent-dir/x/y.db", WallTime{}, &error));
  EXPECT_NE(error.find("/nonexistent-dir/x/y.db"), std::string::npos);
}

}  // namespace
}  // namespace keyward::store
