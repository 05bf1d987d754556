#include "scenarios/router_under_test.h"

#include <mutex>

#include <yaml-cpp/yaml.h>

#include "router/cluster/claiming_outbox.h"
#include "router/cluster/cluster_link.h"
#include "router/main/app.h"

namespace keyward::scenarios {

struct RouterUnderTest::Impl {
  Impl(RouterUnderTestOptions o, SimClock& c) : options(std::move(o)), clock(c) {}
  RouterUnderTestOptions options;
  SimClock& clock;
  std::unique_ptr<App> app;
  mutable std::mutex log_mu;
  std::vector<std::string> logs;

  static EnvMap env_of(const std::string& text, std::vector<std::string>* warnings) {
    auto parsed = parse_env(text, ".env");
    for (const auto& d : parsed.diagnostics)
      if (warnings) warnings->push_back(d.to_string());
    return parsed.entries;
  }
};

RouterUnderTest::RouterUnderTest(RouterUnderTestOptions options, SimClock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

RouterUnderTest::~RouterUnderTest() { stop(); }

bool RouterUnderTest::start(std::string* error) {
  auto& o = impl_->options;
  AppOptions a;
  try {
    a.config = o.config_yaml.empty() ? default_config() : load_config_yaml(o.config_yaml, "router.config");
  } catch (const SchemaError& e) {
    *error = e.what();
    return false;
  }
  a.config_yaml = o.config_yaml;
  if (!o.redis_url.empty()) {
    // keyward.yaml's `cluster:` section, as an operator writes it for each replica.
    YAML::Node doc = o.config_yaml.empty() ? YAML::Node(YAML::NodeType::Map) : YAML::Load(o.config_yaml);
    doc["cluster"]["redis_url"] = o.redis_url;
    doc["cluster"]["replica_id"] = o.replica_id;
    YAML::Emitter e;
    e << doc;
    a.config_yaml = e.c_str();
  }
  a.config_source = "router.config";
  // The process environment must not leak into a scenario: .env only.
  a.env = Impl::env_of(o.env_text, &a.warnings);
  a.clock = &impl_->clock;
  a.listen = "127.0.0.1:0";
  a.journal_path = o.journal_path;
  a.store_path = o.store_path;
  a.validate_on_start = o.validate_on_start;
  a.tls_verify = false;  // TLS fakes use self-signed certificates
  a.background = false;  // the runner drives timers and delivery on the simulated clock
  a.reminder_interval = o.reminder_interval;
  a.cluster_retry_max = Millis(100);  // a healed partition reconnects at once, in wall time
  if (o.keys_updated) a.keys_updated_at = o.keys_updated_at;
  a.log = [impl = impl_.get()](const std::string& line) {
    std::lock_guard lock(impl->log_mu);
    if (impl->logs.size() < 100000) impl->logs.push_back(line);
  };
  impl_->app = std::make_unique<App>(std::move(a));
  return impl_->app->start(error);
}

void RouterUnderTest::stop() {
  if (impl_->app) impl_->app->stop();
}

int RouterUnderTest::port() const { return impl_->app->service().port(); }

std::string RouterUnderTest::base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

void RouterUnderTest::tick() { impl_->app->tick(); }

void RouterUnderTest::drain_alerts() {
  // Deliveries that fail are retried later; a pass delivers what is due now.
  impl_->app->drain_alerts();
}

bool RouterUnderTest::reload(const std::string& env_text, std::string* summary) {
  std::vector<std::string> warnings;
  auto env = Impl::env_of(env_text, &warnings);
  for (const auto& w : warnings) impl_->app->log("WARN: " + w);
  return impl_->app->reload(env, summary);
}

void RouterUnderTest::run_health_check() { impl_->app->run_health_check(); }

nlohmann::json RouterUnderTest::status() const { return impl_->app->service().status_json(); }

std::string RouterUnderTest::metrics() const { return impl_->app->service().stats().prometheus(); }

std::vector<std::string> RouterUnderTest::logs() const {
  std::lock_guard lock(impl_->log_mu);
  return impl_->logs;
}

bool RouterUnderTest::cluster_connected() const {
  auto* link = impl_->app ? impl_->app->cluster() : nullptr;
  return link && link->healthy() && link->subscribed();
}

bool RouterUnderTest::cluster_degraded() const {
  auto* link = impl_->app ? impl_->app->cluster() : nullptr;
  return link && !link->healthy();
}

bool RouterUnderTest::cluster_flush(Millis timeout) {
  auto* link = impl_->app ? impl_->app->cluster() : nullptr;
  if (!link) return false;
  return impl_->app->claiming()->flush(timeout) && link->flush(timeout);
}

bool RouterUnderTest::cluster_sync(Millis timeout) {
  auto* link = impl_->app ? impl_->app->cluster() : nullptr;
  return link && link->sync(timeout);
}

uint64_t RouterUnderTest::cluster_activity() const {
  auto* link = impl_->app ? impl_->app->cluster() : nullptr;
  if (!link) return 0;
  cluster::ClusterLink::Stats l = link->stats();
  cluster::ClaimingOutbox::Stats c = impl_->app->claiming()->stats();
  return l.published + l.applied + l.resyncs + c.claimed + c.suppressed + c.unclaimed + c.dropped;
}

}  // namespace keyward::scenarios
