// The composition root's counters reach /metrics: the incident engine's
// (alerts raised, incidents opened) and the alert dispatcher's (delivery
// tries), declared once in the stats table (issue 14, item 5).
#include <gtest/gtest.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "base/utc_time.h"
#include "base/yaml_reader.h"
#include "fakes/world.h"
#include "router/main/app.h"

namespace keyward {
namespace {

TEST(AppMetrics, IncidentAndDispatcherCountersAreInMetrics) {
  WallTime start;
  parse_iso8601("2025-11-18T08:00:00Z", &start);
  SimClock clock(start);
  YamlField root{YAML::Load("providers:\n  - {name: groq, kind: groq}\n"), "world.yaml", ""};
  fakes::World world(fakes::parse_world(root), clock);
  world.start();

  auto dir = std::filesystem::temp_directory_path() / ("keyward-app-metrics-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  RouterConfig config = default_config();
  config.providers.resize(1);
  config.providers[0].base_url = world.provider("groq")->base_url();
  AppOptions o;
  o.config = config;
  o.env = parse_env("GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\n", ".env").entries;
  o.clock = &clock;
  o.listen = "127.0.0.1:0";
  o.journal_path = "";
  o.store_path = (dir / "keyward.db").string();
  o.validate_on_start = false;
  o.background = false;
  o.log = [](const std::string&) {};
  App app(std::move(o));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;

  httplib::Client c("127.0.0.1", app.service().port());
  c.set_tcp_nodelay(true);
  auto r = c.Post("/api/ai/chat", R"({"message":"hi"})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);  // every key fails: an emergency opens an incident
  app.drain_alerts();         // no channel configured: nothing to deliver, but a pass ran
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_NE(m->body.find("keyward_incidents_total{event=\"opened\"} 1\n"), std::string::npos) << m->body;
  EXPECT_NE(m->body.find("keyward_incident_alerts_total{result=\"enqueued\"}"), std::string::npos);
  EXPECT_NE(m->body.find("# TYPE keyward_alert_deliveries_total counter\n"), std::string::npos);
  EXPECT_NE(m->body.find("keyward_alert_deliveries_total{result=\"delivered\"} 0\n"), std::string::npos);
  auto status = nlohmann::json::parse(c.Get("/api/status")->body);
  EXPECT_TRUE(status["stats"].contains("keyward_incidents_total")) << status["stats"].dump();
  app.stop();
  world.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keyward
