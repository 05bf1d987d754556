#include "router/main/app.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "base/utc_time.h"
#include "base/yaml_reader.h"
#include "router/cluster/claiming_outbox.h"
#include "router/cluster/cluster_link.h"
#include "router/core/alert_messages.h"
#include "router/http/dashboard.h"
#include "router/main/cluster_settings.h"
#include "router/store/sqlite_backend.h"

namespace keyward {

namespace {

using namespace std::chrono_literals;

// A key whose verdict another replica learnt this recently is not pinged
// again when a replica starts: the cluster's verdict is adopted.
constexpr Millis kSharedVerdictFresh = 5min;
// A once-a-day lease outlives its day, so that a replica whose clock is a
// little behind does not take the same day's job again.
constexpr Millis kDailyLease = 26h;

// keyward.yaml `journal:` (record_messages); the rest of the file belongs to
// the config and router/alerts readers.
bool journal_records_messages(const std::string& yaml_text, const std::string& file) {
  YAML::Node doc = parse_yaml(yaml_text, file);
  if (!doc || !doc.IsMap() || !doc["journal"] || doc["journal"].IsNull()) return true;
  YamlField root{doc, file, ""};
  bool record = true;
  root.child("journal").each_field({"record_messages"},
                                   [&](const std::string&, const YamlField& v) { record = v.boolean(); });
  return record;
}

}  // namespace

App::App(AppOptions options) : options_(std::move(options)) {}

App::~App() {
  stop();
  // The store's writer thread may still log while the members go: from now
  // on not through the service, which is destroyed before the store.
  std::lock_guard lock(log_mu_);
  log_service_ = nullptr;
}

void App::log(const std::string& line) { log_direct(line); }

void App::log_direct(const std::string& line) {
  // The store's writer thread logs too: the service is published, and
  // withdrawn, under log_mu_.
  std::lock_guard lock(log_mu_);
  if (log_service_) {
    log_service_->log(line);
  } else if (options_.log) {
    options_.log(line);
  } else {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }
}

bool App::open_store(std::string* error) {
  const Clock& clock = *options_.clock;
  std::unique_ptr<store::StoreBackend> backend;
  store::LoadedState loaded;
  if (options_.store_backend) {
    backend = options_.store_backend();
  } else {
    opened_ = store::SqliteBackend::open(options_.store_path, clock.wall(), error);
    if (!opened_) return false;
    backend = std::move(opened_->backend);
    loaded = std::move(opened_->loaded);
  }
  store::AlertStoreOptions so;
  store_ = std::make_unique<store::AlertStore>(std::move(backend), std::move(loaded), clock, so,
                                               [this](const std::string& line) { log_direct(line); });
  return true;
}

std::string App::admin_token_of(const EnvMap& env) {
  auto it = env.find("KEYWARD_ADMIN_TOKEN");
  return it == env.end() ? "" : it->second.value;
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
  } catch (const SchemaError& e) {
    *error = e.what();
    return false;
  }
  if (options_.reminder_interval) alert_settings_.policy.reminder_interval = *options_.reminder_interval;

  bool record_messages = true;
  try {
    record_messages = journal_records_messages(options_.config_yaml, options_.config_source);
  } catch (const SchemaError& e) {
    *error = e.what();
    return false;
  } catch (const std::exception& e) {
    *error = options_.config_source + ": " + e.what();
    return false;
  }

  std::optional<cluster::ClusterOptions> cluster_options;
  if (!load_cluster_settings(options_.config_yaml, options_.config_source, options_.env, &cluster_options, error))
    return false;

  if (!open_store(error)) return false;
  // A new process knows nothing of the channels: what a previous one left
  // pending (backed off, or leased by a send that a crash cut short) is
  // tried at once rather than after its old backoff.
  for (Channel c : {channel_email, channel_telegram, channel_webhook}) store_->make_due(c, clock.wall());
  dispatcher_ = std::make_unique<alerts::AlertDispatcher>(*store_, clock,
                                                          alerts::make_channels(alert_settings_.channels));
  RouterConfig keyed_config = keyed(options_.env, nullptr);
  AlertOutbox* outbox = dispatcher_.get();
  if (cluster_options) {
    cluster_options->log = [this](const std::string& line) { log_direct(line); };
    if (options_.cluster_retry_max) cluster_options->retry_max = *options_.cluster_retry_max;
    cluster_options->clock = options_.clock;
    link_ = std::make_unique<cluster::ClusterLink>(std::move(*cluster_options));
    link_->set_config(keyed_config);
    claiming_ = std::make_unique<cluster::ClaimingOutbox>(*dispatcher_, *link_, alert_settings_.policy.dedup_window);
    outbox = claiming_.get();
  }
  incidents_ = std::make_unique<IncidentEngine>(keyed_config, alert_settings_.policy, clock, *outbox, *store_);
  incidents_->set_log([this](const std::string& line) { log_direct(line); });
  if (link_) {
    incidents_->set_sharing(link_.get());
    link_->set_incidents(incidents_.get());
  }
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
  o.journal_record_messages = record_messages;
  o.admin_token = admin_token_of(options_.env);
  o.validate_on_start = options_.validate_on_start;
  o.tls_verify = options_.tls_verify;
  o.log = options_.log;
  o.extra_observers.push_back(incidents_.get());
  if (link_) {
    o.extra_observers.push_back(link_.get());
    // The link learns the cluster's state before the first ping and the
    // first request: a quarantine another replica holds is held here too.
    o.router_built = [this](ChatRouter& router) {
      link_->attach(router);
      link_->start();
      return unshared_keys(router);
    };
    o.status_extras = [this] {
      // The claims (docs/CLUSTER.md): alerts sent from here, left to another
      // replica, or sent unclaimed while Redis was away (at least once per replica).
      nlohmann::json c = link_->status_json();
      cluster::ClaimingOutbox::Stats s = claiming_->stats();
      c["alerts"] = {{"claimed", s.claimed}, {"suppressed", s.suppressed}, {"unclaimed", s.unclaimed},
                     {"dropped", s.dropped}};
      return nlohmann::json{{"cluster", std::move(c)}};
    };
  }
  o.incident_status = [this] { return incidents_->incident_status_json(); };
  o.channels_status = [this] { return alerts::channels_status_json(alert_settings_.channels); };
  o.store_status = [this] {
    nlohmann::json j = store_->status_json();
    j["path"] = options_.store_backend ? "(injected)" : options_.store_path;
    return j;
  };
  o.render_dashboard = [](const nlohmann::json& status) { return render_dashboard_html(status); };
  o.validation_started = [this] { incidents_->note_validation_started(options_.clock->wall()); };
  o.validation_finished = [this] { incidents_->note_validation_finished(options_.clock->wall()); };
  o.reloaded = [this](const RouterConfig& config) {
    if (link_) link_->set_config(config);
    incidents_->set_config(config);
    // The admin token of the .env just read, in the same step as its keys.
    std::optional<std::string> token;
    {
      std::lock_guard lock(reload_token_mu_);
      token = std::exchange(reload_token_, std::nullopt);
    }
    if (token && service_) {
      if (*token != current_admin_token_) log("INFO: Admin token rotated: the previous one is refused from now on");
      current_admin_token_ = *token;
      service_->set_admin_token(*token);
    }
  };
  if (options_.reload_source) {
    o.load_config = [this](RouterConfig* out, std::string* err) {
      EnvMap env;
      if (!options_.reload_source(out, &env, err)) return false;
      {
        std::lock_guard lock(reload_token_mu_);
        reload_token_ = admin_token_of(env);
      }
      // The operator changed the keys: the open incident's timeline says when.
      if (out->key_count() > 0) incidents_->note_keys_updated(options_.clock->wall());
      return true;
    };
  }
  current_admin_token_ = o.admin_token;
  service_ = std::make_unique<http::Service>(std::move(o));
  // The incident engine's, the dispatcher's and the store's counts, in
  // /metrics and /api/status.
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
    store::StoreHealth h = store_->health();
    st.set(http::Stat::store_write_errors, {}, h.write_errors);
    st.set(http::Stat::alerts_spilled, {}, h.spilled_alerts);
  });
  {
    std::lock_guard lock(log_mu_);
    log_service_ = service_.get();
  }
  if (link_) {
    service_->stats().add_sampler([this](http::Stats& st) {
      cluster::ClusterLink::Stats c = link_->stats();
      st.set(http::Stat::cluster_degraded, {}, link_->healthy() ? 0 : 1);
      st.set(http::Stat::cluster_published, {}, c.published);
      st.set(http::Stat::cluster_applied, {}, c.applied);
      st.set(http::Stat::cluster_degradations, {}, c.degraded);
    });
  }
  if (opened_) {
    for (const auto& n : opened_->notices) log(n);
    // A corrupt store was replaced by an empty one: the operator must hear
    // of it on every channel, not only in a log nobody reads.
    if (opened_->corrupt_moved_to)
      incidents_->raise(
          build_store_corrupt(options_.store_path, *opened_->corrupt_moved_to, opened_->corrupt_reason, clock.wall()));
    opened_.reset();
  }
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
  // Cluster: the last alerts claimed (or not) and handed to the dispatcher,
  // the last facts written to Redis, then the link closes.
  if (claiming_ && !claiming_->flush(std::chrono::seconds(2))) log("WARN: cluster: alerts still unclaimed at stop");
  if (link_) {
    link_->flush(std::chrono::seconds(2));
    link_->stop();
    link_->set_incidents(nullptr);
  }
  if (dispatcher_) dispatcher_->stop();
  // Stopped means persisted: what the last requests and deliveries changed
  // is on disk before stop() returns (bounded: a failing disk cannot hang it).
  if (store_ && !store_->flush(std::chrono::seconds(5))) {
    store::StoreHealth h = store_->health();
    log("ERROR: Store could not write everything before stopping: " + std::to_string(h.unwritten) +
        " changes unwritten (" + h.reason + ")");
  }
}

void App::tick() {
  std::lock_guard lock(tick_mu_);
  if (!service_) return;
  WallTime now = options_.clock->wall();
  service_->router().tick();
  incidents_->tick(now);
  for (const auto& alert : expiry_.due(service_->router().config(), now))
    if (take_lease("expiry_reminder", now, alert.dedup_subject)) incidents_->raise(alert);
  if (health_check_->daily_check_due(now)) {
    health_check_->mark_done(now);
    if (take_lease("health_check", now)) run_health_check();
  }
}

bool App::take_lease(const std::string& job, WallTime now, const std::string& subject) {
  if (!link_) return true;
  std::string name = "lease:" + job + ":" + format_date(now) + (subject.empty() ? "" : ":" + subject);
  // While Redis is away claim() says yes: each replica does the job.
  if (link_->claim(name, kDailyLease)) return true;
  log("INFO: cluster: " + job + (subject.empty() ? "" : " for " + subject) + " of " + format_date(now) +
      " is another replica's");
  return false;
}

http::KeyFilter App::unshared_keys(ChatRouter& router) {
  if (!link_ || !link_->healthy()) return nullptr;
  auto snap = router.snapshot();
  WallTime fresh = snap.now - kSharedVerdictFresh;
  std::set<std::pair<std::string, std::string>> adopted;  // (provider, secret)
  std::string names;
  for (size_t p = 0; p < snap.config.providers.size(); ++p) {
    const auto& pc = snap.config.providers[p];
    for (size_t i = 0; i < pc.keys.size(); ++i) {
      const SharedKeyState& shared = snap.keys[p][i].shared;
      // A verdict: a validation that worked, or the key went out (auth,
      // quota) recently and is still out.
      auto out = shared.out_at(snap.now);
      WallTime out_since = std::max({shared.quarantined.since, shared.exhausted.since, shared.rate_limited.since});
      if (shared.validated_at >= fresh || (out && out_since >= fresh)) {
        adopted.insert({pc.name, pc.keys[i].secret});
        names += (names.empty() ? "" : ", ") + pc.display_name + " #" + std::to_string(pc.keys[i].index);
      }
    }
  }
  if (adopted.empty()) return nullptr;
  log_direct("INFO: cluster: " + std::to_string(adopted.size()) + " keys (" + names +
             ") have a verdict from another replica less than 5 minutes old: not pinged again, verdict adopted");
  return [adopted = std::move(adopted)](const ProviderConfig& p, const KeyConfig& k) {
    return adopted.count({p.name, k.secret}) == 0;
  };
}

void App::run_health_check() {
  WallTime now = options_.clock->wall();
  log("INFO: Daily key health check");
  auto results = service_->test_keys();
  std::vector<KeyCheckResult> checks;
  for (const auto& v : results)
    checks.push_back(
        {v.provider, v.key_index, v.masked_key, v.classification.cls, v.result.status, v.classification.message});
  if (auto alert = health_check_alert(service_->router().config(), checks, now)) incidents_->raise(*alert);
}

size_t App::drain_alerts() { return dispatcher_ ? dispatcher_->drain_once() : 0; }

bool App::reload(const EnvMap& env, std::string* summary) {
  std::vector<std::string> warnings;
  RouterConfig config = keyed(env, &warnings);
  for (const auto& w : warnings) log("WARN: " + w);
  incidents_->note_keys_updated(options_.clock->wall());
  {
    std::lock_guard lock(reload_token_mu_);
    reload_token_ = admin_token_of(env);
  }
  return service_->reload(config, summary);
}

}  // namespace keyward
