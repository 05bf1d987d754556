// The store as an operator meets it through `keyward serve`'s assembly: a
// store that cannot write shows as `store: degraded` with its reason in
// /api/status, /metrics and the dashboard while alerts keep flowing; a
// corrupt store is moved aside with an ERROR and an alert on every channel
// (issue 18, items 1 and 2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/router/main/app_test_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

// A disk that refuses every write, like SQLite on a full file system.
class FullDisk final : public store::StoreBackend {
 public:
  bool write(const store::WriteBatch&, std::string* error) override {
    *error = "database or disk is full";
    return false;
  }
};

uint64_t metric(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return UINT64_MAX;
  return std::stoull(text.substr(at + name.size() + 2));
}

TEST(StoreDurability, AStoreThatCannotWriteIsDegradedInStatusMetricsAndDashboardAndAlertsStillFlow) {
  test::AppWorld w;
  auto o = w.options();
  o.store_backend = [] { return std::make_unique<FullDisk>(); };
  App app(std::move(o));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  auto r = test::http_chat(app, "Help me fix this bug");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_FALSE(app.store().flush(5s));

  auto status = nlohmann::json::parse(test::http_get(app, "/api/status")->body);
  EXPECT_EQ(status["store"]["state"], "degraded");
  EXPECT_EQ(status["store"]["reason"], "database or disk is full");
  EXPECT_EQ(status["store"]["spilled_alerts"], 10);
  EXPECT_EQ(status["incident"]["alerts_sent"], 10) << "sent = delivered or queued for delivery";
  auto metrics = test::http_get(app, "/metrics")->body;
  EXPECT_GE(metric(metrics, "keyward_store_write_errors_total"), 1u) << metrics;
  EXPECT_EQ(metric(metrics, "keyward_alerts_spilled"), 10u);
  EXPECT_NE(metrics.find("# TYPE keyward_alerts_spilled gauge"), std::string::npos);
  auto dashboard = test::http_get(app, "/dashboard")->body;
  EXPECT_NE(dashboard.find("store: degraded</span> (database or disk is full"), std::string::npos);
  EXPECT_TRUE(w.logged("ERROR: Store cannot write (database or disk is full): "));

  // The alerts are still there to deliver (no channel is configured here:
  // each row is settled as skipped, none is lost).
  EXPECT_EQ(app.store().counts().pending, 21u);
  app.drain_alerts();
  EXPECT_EQ(app.store().counts().pending, 0u);
  EXPECT_EQ(app.store().counts().skipped, 21u);
  app.stop();
}

TEST(StoreDurability, ACorruptStoreIsMovedAsideLoggedAndAlerted) {
  test::AppWorld w;
  {
    App first(w.options());
    std::string error;
    ASSERT_TRUE(first.start(&error)) << error;
    for (int i = 0; i < 5; ++i) test::http_chat(first, "q" + std::to_string(i));  // an incident, alerts
    first.stop();
  }
  {  // pages after the first overwritten with garbage
    std::fstream f(w.store_path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(4096);
    for (int i = 0; i < 4 * 4096; ++i) f.put(static_cast<char>((i * 131 + 7) & 0xff));
  }
  App app(w.options());
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  std::string aside = w.store_path() + ".corrupt-20251118T080015Z";
  EXPECT_TRUE(std::filesystem::exists(aside));
  EXPECT_TRUE(w.logged("ERROR: Store " + w.store_path() + " was corrupt"));
  auto items = app.store().claim_due(w.clock.wall(), 100);
  ASSERT_EQ(items.size(), 3u) << "one alert, on every channel";
  EXPECT_EQ(items[0].alert.kind, AlertKind::store_corrupt);
  EXPECT_NE(
      items[0].alert.text.find("incident store was corrupt; moved aside to " + aside + "; open incidents were lost"),
      std::string::npos)
      << items[0].alert.text;
  auto status = nlohmann::json::parse(test::http_get(app, "/api/status")->body);
  EXPECT_EQ(status["store"]["state"], "ok");
  EXPECT_EQ(status["incident"]["state"], "none") << "the old incident went with the corrupt file";
  app.stop();
}

TEST(StoreDurability, AnEmptyStoreFileIsLoggedAsANewHistory) {
  test::AppWorld w;
  { std::ofstream touch(w.store_path()); }
  App app(w.options());
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  EXPECT_TRUE(w.logged("WARN: Store " + w.store_path() + " is empty (0 bytes): starting a new history"));
  app.stop();
}

}  // namespace
}  // namespace keyward
