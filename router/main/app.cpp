#include "router/main/app.h"

#include <cstdio>

#include "router/http/dashboard.h"

namespace keyward {

App::App(AppOptions options) : options_(std::move(options)) {}

App::~App() { stop(); }

void App::log(const std::string& line) {
  if (service_) {
    service_->log(line);
  } else if (options_.log) {
    options_.log(line);
  } else {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }
}

RouterConfig App::keyed(const EnvMap& env, std::vector<std::string>* warnings) const {
  RouterConfig c = options_.config;
  for (const auto& d : apply_env(c, env, {}))
    if (warnings) warnings->push_back(d.to_string());
  return c;
}

bool App::start(std::string* error) {
  const Clock& clock = *options_.clock;
  try {
    alert_settings_ = alerts::load_alert_settings(options_.config_yaml, options_.config_source, options_.env);
  } catch (const ConfigError& e) {
    *error = e.what();
    return false;
  }
  if (options_.reminder_interval) alert_settings_.policy.reminder_interval = *options_.reminder_interval;

  incident_store_ = store::SqliteIncidentStore::open(options_.store_path, error);
  if (!incident_store_) return false;
  outbox_ = store::SqliteOutbox::open(options_.store_path, error);
  if (!outbox_) return false;
  dispatcher_ = std::make_unique<alerts::AlertDispatcher>(*outbox_, clock,
                                                          alerts::make_channels(alert_settings_.channels));
  RouterConfig keyed_config = keyed(options_.env, nullptr);
  incidents_ = std::make_unique<IncidentEngine>(keyed_config, alert_settings_.policy, clock, *dispatcher_,
                                                *incident_store_);
  health_check_ = std::make_unique<DailyHealthCheck>(alert_settings_.schedules, clock.wall());
  expiry_ = ExpiryReminders(alert_settings_.schedules.expiry_warning);

  http::ServiceOptions o;
  o.config = options_.config;
  o.env = options_.env;
  o.env_source = options_.env_source;
  o.clock = &clock;
  o.listen = options_.listen;
  o.journal_path = options_.journal_path;
  o.server = options_.server;
  if (auto it = options_.env.find("KEYWARD_ADMIN_TOKEN"); it != options_.env.end()) o.admin_token = it->second.value;
  o.validate_on_start = options_.validate_on_start;
  o.tls_verify = options_.tls_verify;
  o.log = options_.log;
  o.extra_observers.push_back(incidents_.get());
  o.incident_status = [this] { return incidents_->incident_status_json(); };
  o.channels_status = [this] { return alerts::channels_status_json(alert_settings_.channels); };
  o.render_dashboard = [](const nlohmann::json& status) { return render_dashboard_html(status); };
  o.validation_started = [this] { incidents_->note_validation_started(options_.clock->wall()); };
  o.validation_finished = [this] { incidents_->note_validation_finished(options_.clock->wall()); };
  o.reloaded = [this](const RouterConfig& config) { incidents_->set_config(config); };
  if (options_.reload_source) {
    o.load_config = [this](RouterConfig* out, std::string* err) {
      EnvMap env;
      if (!options_.reload_source(out, &env, err)) return false;
      // The operator changed the keys: the open incident's timeline says when.
      if (out->key_count() > 0) incidents_->note_keys_updated(options_.clock->wall());
      return true;
    };
  }
  service_ = std::make_unique<http::Service>(std::move(o));
  // The incident engine's and the dispatcher's counts, in /metrics and /api/status.
  service_->stats().add_sampler([this](http::Stats& st) {
    IncidentEngine::Stats i = incidents_->stats();
    st.set(http::Stat::incident_alerts, {"enqueued"}, i.alerts_enqueued);
    st.set(http::Stat::incident_alerts, {"suppressed"}, i.alerts_suppressed);
    st.set(http::Stat::incident_alerts, {"rejected"}, i.alerts_rejected);
    st.set(http::Stat::incidents, {"opened"}, i.incidents_opened);
    st.set(http::Stat::incidents, {"resolved"}, i.incidents_resolved);
    alerts::AlertDispatcher::Stats d = dispatcher_->stats();
    st.set(http::Stat::alert_deliveries, {"delivered"}, d.delivered);
    st.set(http::Stat::alert_deliveries, {"failed"}, d.failures);
    st.set(http::Stat::alert_deliveries, {"skipped"}, d.skipped);
  });
  for (const auto& w : options_.warnings) service_->log("WARN: " + w);
  service_->log("INFO: " + alerts::channels_log_line(alert_settings_.channels));
  // An incident still open from before this process: it restarted now, and
  // the keys changed when .env did.
  if (incidents_->incident_open()) {
    if (options_.keys_updated_at) incidents_->note_keys_updated(*options_.keys_updated_at);
    incidents_->note_restarted(clock.wall());
  }
  if (!service_->start(error)) return false;
  if (options_.background) {
    dispatcher_->start();
    timer_ = std::thread([this] {
      std::unique_lock lock(timer_mu_);
      while (!stopping_) {
        timer_cv_.wait_for(lock, std::chrono::seconds(1));
        if (stopping_) break;
        lock.unlock();
        tick();
        lock.lock();
      }
    });
  }
  return true;
}

void App::stop() {
  {
    std::lock_guard lock(timer_mu_);
    stopping_ = true;
  }
  timer_cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  if (service_) service_->stop();
  if (dispatcher_) dispatcher_->stop();
}

void App::tick() {
  std::lock_guard lock(tick_mu_);
  if (!service_) return;
  WallTime now = options_.clock->wall();
  service_->router().tick();
  incidents_->tick(now);
  for (const auto& alert : expiry_.due(service_->router().config(), now)) incidents_->raise(alert);
  if (health_check_->daily_check_due(now)) {
    health_check_->mark_done(now);
    run_health_check();
  }
}

void App::run_health_check() {
  WallTime now = options_.clock->wall();
  log("INFO: Daily key health check");
  auto results = service_->test_keys();
  std::vector<KeyCheckResult> checks;
  for (const auto& v : results)
    checks.push_back({v.provider, v.key_index, v.masked_key, v.classification.cls, v.result.status,
                      v.classification.message});
  if (auto alert = health_check_alert(service_->router().config(), checks, now)) incidents_->raise(*alert);
}

size_t App::drain_alerts() { return dispatcher_ ? dispatcher_->drain_once() : 0; }

bool App::reload(const EnvMap& env, std::string* summary) {
  std::vector<std::string> warnings;
  RouterConfig config = keyed(env, &warnings);
  for (const auto& w : warnings) log("WARN: " + w);
  incidents_->note_keys_updated(options_.clock->wall());
  return service_->reload(config, summary);
}

}  // namespace keyward
