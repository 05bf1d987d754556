// The open incident survives a restart: the resolved alert knows when it began.
#include "router/store/incident_store.h"

#include <gtest/gtest.h>

#include "router/core/incidents.h"
#include "router/store/outbox.h"
#include "tests/router/store/founding_world.h"
#include "tests/router/store/store_test_util.h"

namespace keyward::store {
namespace {

using namespace std::chrono_literals;
using test::at;

TEST(SqliteIncidentStore, RoundTripsARecord) {
  test::TempDb db;
  std::string error;
  auto s = SqliteIncidentStore::open(db.path(), &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(s->load_open().has_value());
  IncidentRecord r;
  r.id = "inc-1";
  r.opened_at = at("2025-11-18T08:00:21Z");
  r.cause = "all_authentication_failed";
  r.providers.push_back({"groq", "Groq", 3, 3, "auth", "Invalid API Key", "all 3"});
  r.dedup = {"key_auth_failed|groq#1", "all_providers_failed|all"};
  r.alerts_sent = 10;
  s->save(r);
  auto back = s->load_open();
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->opened_at, r.opened_at);
  EXPECT_EQ(back->dedup, r.dedup);
  EXPECT_EQ(back->providers.at(0).last_error, "Invalid API Key");
  EXPECT_FALSE(back->restarted_at.has_value());
  r.resolved_at = at("2025-11-18T08:15:30Z");
  s->save(r);
  EXPECT_FALSE(s->load_open().has_value());
  auto past = s->recent(5);
  ASSERT_EQ(past.size(), 1u);
  EXPECT_EQ(past[0].resolved_at, r.resolved_at);
}

TEST(SqliteIncidentStore, KeepsABoundedHistory) {
  test::TempDb db;
  std::string error;
  auto s = SqliteIncidentStore::open(db.path(), &error, 3);
  ASSERT_TRUE(s) << error;
  for (int i = 0; i < 6; ++i) {
    IncidentRecord r;
    r.id = "inc-" + std::to_string(i);
    r.opened_at = at("2025-11-18T08:00:00Z") + std::chrono::hours(i);
    r.resolved_at = r.opened_at + 1min;
    s->save(r);
  }
  auto past = s->recent(10);
  ASSERT_EQ(past.size(), 3u);
  EXPECT_EQ(past[0].id, "inc-5");
}

// The founding story with a restart in the middle: process one sees the keys
// fail and opens the incident; process two (new engine, same file) starts with
// the fixed .env, validates, and sends the resolved alert with the real downtime.
TEST(IncidentAcrossRestart, ResolvedAlertAfterARestartReportsTheRightDowntime) {
  test::TempDb db;
  std::string error;
  test::FoundingWorld world;
  {
    auto store = SqliteIncidentStore::open(db.path(), &error);
    auto outbox = SqliteOutbox::open(db.path(), &error);
    ASSERT_TRUE(store && outbox) << error;
    IncidentEngine engine(world.config, AlertPolicy{}, world.clock, *outbox, *store);
    world.start(&engine);
    world.ask();
    EXPECT_EQ(outbox->counts().alerts, 10u);
    world.router.reset();
  }
  world.clock.set_wall(at("2025-11-18T08:15:00Z"));
  auto store = SqliteIncidentStore::open(db.path(), &error);
  auto outbox = SqliteOutbox::open(db.path(), &error);
  ASSERT_TRUE(store && outbox) << error;
  world.config = world.fixed_config();
  IncidentEngine engine(world.config, AlertPolicy{}, world.clock, *outbox, *store);
  ASSERT_TRUE(engine.incident_open()) << "the incident survived the restart";
  engine.note_keys_updated(at("2025-11-18T08:12:00Z"));  // the .env file's mtime
  engine.note_restarted(world.clock.wall());
  world.start(&engine);
  world.clock.set_wall(at("2025-11-18T08:15:29Z"));
  engine.note_validation_started(world.clock.wall());
  world.validate_all();
  engine.note_validation_finished(world.clock.wall());

  auto items = outbox->claim_due(world.clock.wall(), 100);
  std::vector<Alert> resolved;
  for (const auto& it : items)
    if (it.alert.kind == AlertKind::resolved && it.channel == channel_email) resolved.push_back(it.alert);
  ASSERT_EQ(resolved.size(), 1u);
  const std::string& text = resolved[0].text;
  EXPECT_NE(text.find("Issue detected: 2025-11-18T08:00:21Z"), std::string::npos) << text;
  EXPECT_NE(text.find("Keys updated: 2025-11-18T08:12:00Z"), std::string::npos);
  EXPECT_NE(text.find("Platform restarted: 2025-11-18T08:15:00Z"), std::string::npos);
  EXPECT_NE(text.find("Full recovery: 2025-11-18T08:15:30Z"), std::string::npos);
  EXPECT_NE(text.find("Total downtime: ~15 minutes"), std::string::npos);
  EXPECT_NE(text.find("Groq: 1 key operational, 2 still failing"), std::string::npos);
  EXPECT_EQ(outbox->counts().alerts, 11u) << "the restart re-sent nothing";
  EXPECT_FALSE(store->load_open().has_value());
  EXPECT_EQ(engine.incident_status_json()["last_resolved"]["downtime"], "~15 minutes");
}

TEST(IncidentAcrossRestart, DedupSurvivesTheRestart) {
  test::TempDb db;
  std::string error;
  test::FoundingWorld world;
  auto store = SqliteIncidentStore::open(db.path(), &error);
  auto outbox = SqliteOutbox::open(db.path(), &error);
  ASSERT_TRUE(store && outbox) << error;
  {
    IncidentEngine engine(world.config, AlertPolicy{}, world.clock, *outbox, *store);
    world.start(&engine);
    world.ask();
    world.router.reset();
  }
  // Same bad keys after a restart: the same failures alert nothing new.
  world.clock.advance(1min);
  IncidentEngine engine(world.config, AlertPolicy{}, world.clock, *outbox, *store);
  world.start(&engine);
  world.ask("again");
  EXPECT_EQ(outbox->counts().alerts, 10u);
}

}  // namespace
}  // namespace keyward::store
