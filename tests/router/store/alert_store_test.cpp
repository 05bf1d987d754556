// The store on disk: incidents and conditions survive a restart; a full disk
// spills alerts in memory (still delivered), degrades the store with its
// reason and logs at most once a minute; once writes succeed again the
// spilled alerts and their delivery state are persisted (issue 18, item 1).
#include "router/store/alert_store.h"

#include <gtest/gtest.h>

#include <mutex>

#include "router/core/alert_messages.h"
#include "router/store/sqlite_backend.h"
#include "tests/router/core/fixtures.h"
#include "tests/router/store/store_test_util.h"

namespace keyward::store {
namespace {

using namespace std::chrono_literals;
using test::at;

Alert alert(const std::string& subject, WallTime t) {
  Alert a;
  a.id = make_alert_id("inc-1", AlertKind::key_auth_failed, subject);
  a.kind = AlertKind::key_auth_failed;
  a.dedup_subject = subject;
  a.subject = "❌ " + subject;
  a.text = std::string(2000, 'x');  // a few alerts fill a page
  a.channels = channel_email | channel_webhook;
  a.created_at = t;
  return a;
}

struct Logs {
  std::mutex mu;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& l) {
      std::lock_guard lock(mu);
      lines.push_back(l);
    };
  }
  size_t count(const std::string& prefix) {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const auto& l : lines) n += l.rfind(prefix, 0) == 0;
    return n;
  }
};

struct Opened {
  std::unique_ptr<AlertStore> store;
  SqliteBackend* backend = nullptr;  // owned by the store
};

Opened open_store(const std::string& path, SimClock& clock, Logs* logs = nullptr) {
  std::string error;
  auto opened = SqliteBackend::open(path, clock.wall(), &error);
  EXPECT_TRUE(opened) << error;
  if (!opened) return {};
  Opened out;
  out.backend = opened->backend.get();
  AlertStoreOptions o;
  o.write_retry = 10ms;  // real time: retries come quickly in tests
  out.store = std::make_unique<AlertStore>(std::move(opened->backend), std::move(opened->loaded), clock, o,
                                           logs ? logs->sink() : nullptr);
  return out;
}

TEST(AlertStore, IncidentsAndConditionsSurviveAReopen) {
  test::TempDb db;
  SimClock clock(at("2025-11-18T08:00:21Z"));
  IncidentRecord open;
  open.id = "inc-20251118T080021Z";
  open.opened_at = clock.wall();
  open.alerts_sent = 10;
  open.dedup = {"all_providers_failed|all"};
  IncidentRecord closed = open;
  closed.id = "inc-old";
  closed.resolved_at = clock.wall() - 1h;
  {
    auto s = open_store(db.path(), clock).store;
    s->save(closed);
    s->save(open);
    s->set_condition_alerted("key_auth_failed|groq#1|sk-p...AAA", clock.wall());
    s->set_condition_alerted("key_auth_failed|groq#2|sk-p...BBB", clock.wall());
    s->set_condition_alerted("key_auth_failed|groq#2|sk-p...BBB", std::nullopt);  // it ended
    EXPECT_EQ(s->load_open()->alerts_sent, 10) << "served from memory at once";
  }
  auto s = open_store(db.path(), clock).store;
  auto r = s->load_open();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, open.id);
  EXPECT_EQ(r->dedup, open.dedup);
  ASSERT_EQ(s->recent(5).size(), 1u);
  EXPECT_EQ(s->recent(5)[0].id, "inc-old");
  auto conds = s->alerted_conditions();
  ASSERT_EQ(conds.size(), 1u);
  EXPECT_EQ(conds.begin()->first, "key_auth_failed|groq#1|sk-p...AAA");
  EXPECT_EQ(conds.begin()->second, clock.wall());
}

TEST(AlertStore, AFullDiskSpillsAlertsThatAreStillDeliveredAndPersistsThemWhenSpaceReturns) {
  test::TempDb db;
  SimClock clock(at("2025-11-18T08:00:15Z"));
  Logs logs;
  auto o = open_store(db.path(), clock, &logs);
  ASSERT_TRUE(o.store->enqueue(alert("groq#0", clock.wall())));
  ASSERT_TRUE(o.store->flush(30s));
  // The "disk" is full: the file may not grow by a single page.
  int64_t full = 0;
  {
    auto pages = o.backend->database().prepare("PRAGMA page_count");
    ASSERT_EQ(pages.step(), SQLITE_ROW);
    full = pages.int64(0);
  }
  ASSERT_TRUE(o.backend->database().exec("PRAGMA max_page_count=" + std::to_string(full)));

  for (int i = 1; i <= 8; ++i) EXPECT_TRUE(o.store->enqueue(alert("groq#" + std::to_string(i), clock.wall())));
  EXPECT_FALSE(o.store->flush(30s)) << "the disk refuses";
  StoreHealth h = o.store->health();
  EXPECT_TRUE(h.degraded);
  EXPECT_NE(h.reason.find("full"), std::string::npos) << h.reason;
  EXPECT_EQ(h.spilled_alerts, 8u);
  EXPECT_GE(h.write_errors, 1u);
  EXPECT_EQ(o.store->status_json()["state"], "degraded");

  // Delivery goes on from memory; its state changes are spilled too.
  auto items = o.store->claim_due(clock.wall(), 100);
  EXPECT_EQ(items.size(), 18u) << "nine alerts (one from before) on two channels, none lost";
  for (const auto& it : items)
    if (it.channel == channel_email) o.store->mark_delivered(it.alert.id, it.channel, clock.wall());
  // More failed writes within the minute: still a single ERROR line.
  EXPECT_FALSE(o.store->flush(30s));
  EXPECT_FALSE(o.store->flush(30s));
  EXPECT_GE(o.store->health().write_errors, 3u);
  EXPECT_EQ(logs.count("ERROR: Store cannot write"), 1u);
  clock.advance(61s);
  EXPECT_FALSE(o.store->flush(30s));
  EXPECT_EQ(logs.count("ERROR: Store cannot write"), 2u) << "a minute later, the next report";

  // Space comes back: everything spilled is written, with its delivery state.
  ASSERT_TRUE(o.backend->database().exec("PRAGMA max_page_count=1000000"));
  EXPECT_TRUE(o.store->flush(30s));
  h = o.store->health();
  EXPECT_FALSE(h.degraded);
  EXPECT_EQ(h.spilled_alerts, 0u);
  EXPECT_EQ(logs.count("INFO: Store writes succeed again"), 1u);
  o.store.reset();

  auto again = open_store(db.path(), clock);
  OutboxCounts c = again.store->counts();
  EXPECT_EQ(c.alerts, 9u);
  EXPECT_EQ(c.delivered, 9u) << "the deliveries made while the disk was full are remembered";
  EXPECT_EQ(c.pending, 9u);
}

TEST(AlertStore, ARowChangedWhileItsBatchWasWrittenStaysDirty) {
  // A backend that lets the test hold a write half-way.
  struct Gate final : StoreBackend {
    std::mutex mu;
    std::condition_variable cv;
    bool entered = false, open = false;
    std::vector<WriteBatch> seen;
    bool write(const WriteBatch& b, std::string*) override {
      std::unique_lock lock(mu);
      entered = true;
      cv.notify_all();
      cv.wait(lock, [&] { return open; });
      seen.push_back(b);
      return true;
    }
  };
  auto gate = std::make_unique<Gate>();
  Gate* g = gate.get();
  SimClock clock(at("2025-11-18T08:00:15Z"));
  AlertStore s(std::move(gate), {}, clock);
  Alert a = alert("groq#1", clock.wall());
  s.enqueue(a);
  {
    std::unique_lock lock(g->mu);
    ASSERT_TRUE(g->cv.wait_for(lock, 30s, [&] { return g->entered; }));
  }
  s.mark_delivered(a.id, channel_email, clock.wall());  // while the first batch is on its way
  {
    std::lock_guard lock(g->mu);
    g->open = true;
  }
  g->cv.notify_all();
  ASSERT_TRUE(s.flush(30s));
  std::lock_guard lock(g->mu);
  ASSERT_EQ(g->seen.size(), 2u);
  ASSERT_EQ(g->seen[1].alerts.size(), 1u);
  EXPECT_EQ(g->seen[1].alerts[0].deliveries[0].state, DeliveryState::delivered);
}

}  // namespace
}  // namespace keyward::store
