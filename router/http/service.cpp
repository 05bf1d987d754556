#include "router/http/service.h"

#include <algorithm>
#include <atomic>
#include <cstdio>

#include "router/http/api.h"
#include "router/http/blocking_over_async.h"
#include "router/http/routes.h"
#include "router/http/transports.h"
#include "router/net/event_loop.h"
#include "router/net/http_server.h"
#include "router/net/worker_pool.h"

namespace keyward::http {

using nlohmann::json;

bool parse_listen(const std::string& listen, std::string* host, int* port) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= listen.size()) return false;
  std::string p = listen.substr(colon + 1);
  if (p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  int n = std::stoi(p);
  if (n < 0 || n > 65535) return false;
  *host = listen.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
  *port = n;
  return true;
}

// The router takes one observer; stats, journal and the extra observers all listen.
class Service::Fanout final : public RouterObserver {
 public:
  std::vector<RouterObserver*> observers;
  void on_pool_event(const PoolEvent& e) override {
    for (auto* o : observers) o->on_pool_event(e);
  }
  void on_attempt(const AttemptRecord& a) override {
    for (auto* o : observers) o->on_attempt(a);
  }
  void on_emergency(const Verdict& v, WallTime at) override {
    for (auto* o : observers) o->on_emergency(v, at);
  }
  void on_outcome(const ChatRequest& r, const RouteOutcome& out, WallTime at) override {
    for (auto* o : observers) o->on_outcome(r, out, at);
  }
};

namespace {

// Constant-time comparison: the time taken does not depend on where the
// presented token first differs from the configured one.
bool constant_time_equal(const std::string& a, const std::string& b) {
  size_t n = std::max(a.size(), b.size());
  unsigned diff = a.size() == b.size() ? 0u : 1u;
  for (size_t i = 0; i < n; ++i) {
    unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned>(x ^ y);
  }
  return diff == 0;
}

// journal_ is declared after options_, so options_ is already initialised here.
JournalOptions journal_options(const ServiceOptions& o, Service* service) {
  JournalOptions j;
  j.path = o.journal_path;
  j.max_bytes = o.journal_max_bytes;
  j.clock = o.clock;
  j.log = [service](const std::string& line) { service->log(line); };
  return j;
}
}  // namespace

Service::Service(ServiceOptions options)
    : options_(std::move(options)), journal_(journal_options(options_, this)), admin_token_(options_.admin_token) {}

void Service::set_admin_token(std::string token) {
  std::lock_guard lock(admin_mu_);
  admin_token_ = std::move(token);
}

bool Service::admin_enabled() const {
  std::lock_guard lock(admin_mu_);
  return !admin_token_.empty();
}

bool Service::admin_token_matches(const std::string& presented) const {
  std::lock_guard lock(admin_mu_);
  return !admin_token_.empty() && constant_time_equal(presented, admin_token_);
}

Service::~Service() {
  stop();
  // The journal's writer logs through this->log(): end it while log_ exists.
  journal_.close();
}

void Service::log(const std::string& line) {
  {
    std::lock_guard lock(log_mu_);
    log_.push_back(line);
    while (log_.size() > options_.log_lines) log_.pop_front();
  }
  if (options_.log) {
    options_.log(line);
  } else {
    std::fputs((line + "\n").c_str(), stdout);
    std::fflush(stdout);
  }
}

std::vector<std::string> Service::log_lines() const {
  std::lock_guard lock(log_mu_);
  return {log_.begin(), log_.end()};
}

std::string Service::base_url() const {
  std::string host = host_ == "0.0.0.0" || host_.empty() ? "127.0.0.1" : host_;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port_);
}

bool Service::any_key_validated() const {
  auto snap = router_->snapshot();
  for (const auto& keys : snap.keys)
    for (const auto& k : keys)
      if (k.validated) return true;
  return false;
}

bool Service::ready() const {
  if (!router_) return false;
  if (!options_.validate_on_start) return router_->config().key_count() > 0;
  return any_key_validated();
}

void Service::record_validations(const std::vector<KeyValidation>& results) {
  if (options_.validation_started) options_.validation_started();
  for (const auto& v : results) {
    router_->record_validation(v.provider, v.key_index, v.result);
    stats_.add(Stat::validations, {v.provider, v.ok() ? "ok" : to_string(v.classification.cls)});
    JsonFields j;
    j.add("type", "validation")
        .add("provider", v.provider)
        .add("key_id", v.key_index)
        .add("masked_key", v.masked_key)
        .add("class", to_string(v.classification.cls))
        .add("status", v.result.status)
        .add("latency_us",
             static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(v.latency).count()))
        .add("message", journal_.cut(v.classification.message));
    journal_.write(clock_->wall(), std::move(j));
    log(validation_log_line(v));
  }
  if (options_.validation_finished) options_.validation_finished();
}

bool Service::start(std::string* error) {
  auto fail = [&](const std::string& msg) {
    if (error) *error = msg;
    log("ERROR: " + msg);
    return false;
  };
  if (started_) return fail("already started");
  clock_ = options_.clock;
  if (!clock_) return fail("ServiceOptions::clock is required");

  log("INFO: Loading secrets from " + options_.env_source);
  RouterConfig config = options_.config;
  if (!options_.env.empty()) {
    for (const auto& d : apply_env(config, options_.env, {})) log("WARN: " + d.to_string());
  }
  std::string counts;
  for (const auto& p : config.providers)
    if (!p.keys.empty()) counts += (counts.empty() ? "" : ", ") + p.display_name + " " + std::to_string(p.keys.size());
  if (config.key_count() == 0)
    log("WARN: No API keys configured: set GROQ_API_KEY_1=... (or GEMINI_/MISTRAL_) in " + options_.env_source);
  else
    log("INFO: API keys loaded: " + counts);

  std::string jerr;
  if (!journal_.open(&jerr)) return fail(jerr);

  stats_observer_ = std::make_unique<StatsObserver>(stats_);
  journal_observer_ = std::make_unique<JournalObserver>(journal_);
  fanout_ = std::make_unique<Fanout>();
  fanout_->observers = {stats_observer_.get(), journal_observer_.get()};
  for (auto* o : options_.extra_observers)
    if (o) fanout_->observers.push_back(o);
  router_ = std::make_unique<ChatRouter>(config, *clock_, fanout_.get());
  KeyFilter start_filter = options_.router_built ? options_.router_built(*router_) : nullptr;

  if (!parse_listen(options_.listen, &host_, &port_))
    return fail("invalid listen address '" + options_.listen + "' (want host:port)");
  const ServerSettings& ss = options_.server;
  // Each connection is a file descriptor: 10 000 of them need more than the
  // usual soft limit of 1 024.
  log("INFO: " + net::raise_open_files_limit());
  loop_ = std::make_unique<net::EventLoop>(ss.loop_threads);
  // Running from here on: validation's calls go out on the loops. Nothing is
  // accepted before server_->accept() below; connections made meanwhile wait
  // in the listen backlog.
  loop_->start();

  if (options_.transport) {
    transport_ = options_.transport;
  } else {
    net::UpstreamOptions upstream;
    upstream.tls_verify = options_.tls_verify;
    upstream.connect_timeout = config.timeouts.connect;
    upstream.max_body_bytes = options_.max_provider_body_bytes;
    // Provider calls run on the loops of the client connections: a request's
    // continuation starts its call on its own loop thread and resumes there,
    // with no hand-off to another thread and back per attempt (each costs a
    // wake-up: the cold failover benchmark paid ~50 us per failing key for it).
    owned_transport_ = std::make_unique<WireTransport>(*loop_, upstream);
    transport_ = owned_transport_.get();
  }
  // The routes that run on a handler thread (streams, key tests) wait for
  // their calls; the calls themselves still run on the loops.
  blocking_ = std::make_unique<BlockingOverAsync>(*transport_);
  routes_ = std::make_unique<Routes>(*this);
  handlers_ = std::make_unique<net::WorkerPool>(ss.handler_threads, ss.handler_queue);
  net::HttpServerOptions so;
  so.host = host_;
  so.port = port_;
  so.limits = net::RequestLimits{ss.max_head_bytes, ss.max_headers, ss.body_limit};
  so.idle_timeout = ss.idle_timeout;
  so.head_timeout = ss.head_timeout;
  so.body_timeout = ss.body_timeout;
  so.write_timeout = ss.write_timeout;
  so.max_connections = ss.max_connections;
  so.max_unsent_bytes = ss.max_unsent_bytes;
  so.linger_bytes = ss.linger_bytes;
  so.linger_timeout = ss.linger_timeout;
  so.log = [this](const std::string& line) { log(line); };
  so.render_refusal = [this](const net::RefusalInfo& info) { return routes_->refusal(info); };
  server_ = std::make_unique<net::HttpServer>(
      *loop_, so,
      [this](net::HttpRequest q, std::shared_ptr<net::Responder> r) { routes_->dispatch(std::move(q), std::move(r)); });
  std::string listen_error;
  if (!server_->listen(&listen_error)) {
    server_.reset();
    return fail("cannot listen on " + options_.listen + ": " + listen_error);
  }
  port_ = server_->port();
  add_samplers();

  if (options_.validate_on_start) {
    log("INFO: Validating API keys...");
    auto results = validate_keys(config, *transport_, *clock_, options_.validation_parallelism, start_filter);
    record_validations(results);
    for (const auto& line : validation_summary_lines(config, results)) log(line);
  } else {
    log("INFO: Key validation on start is off; keys are trusted until a call fails");
  }

  handlers_->start();
  server_->accept();
  started_ = true;
  log("INFO: Listening on " + base_url() + " (" + std::to_string(ss.loop_threads) + " event loop(s), " +
      std::to_string(ss.handler_threads) + " handler threads)");
  return true;
}

void Service::add_samplers() {
  // Counts that other parts keep, copied into the stats table at each /metrics.
  stats_.add_sampler([this](Stats& st) {
    net::HttpServerCounters c = server_->counters();
    st.set(Stat::http_connections, {"accepted"}, c.connections_accepted);
    st.set(Stat::http_connections, {"refused"}, c.connections_refused);
    st.set(Stat::http_connections, {"idle_closed"}, c.idle_closed);
    st.set(Stat::http_connections, {"write_timeout"}, c.write_timeouts);
    st.set(Stat::http_connections, {"slow_reader_cut"}, c.slow_readers_cut);
    st.set(Stat::http_open_connections, {}, c.connections_open);
    st.set(Stat::http_refused_requests, {"bad_request"}, c.refused_bad_request);
    st.set(Stat::http_refused_requests, {"head_too_large"}, c.refused_head_too_large);
    st.set(Stat::http_refused_requests, {"body_too_large"}, c.refused_body_too_large);
    st.set(Stat::http_refused_requests, {"head_timeout"}, c.head_timeouts);
    st.set(Stat::http_refused_requests, {"body_timeout"}, c.body_timeouts);
    st.set(Stat::http_bytes_read, {}, c.bytes_read);
    // The journal drops a line only when its writer has been stalled (a full
    // disk): operators must see that, since replays would then have gaps.
    st.set(Stat::journal_dropped_lines, {}, journal_.dropped_lines());
  });
}

void Service::stop() {
  if (!started_.exchange(false)) return;
  server_->stop_accepting();
  // Requests already handed to the pool finish and answer (streams end with
  // their provider call, within the request timeout); then the connections
  // close, an answer still being written within the grace.
  handlers_->stop();
  server_->stop();
  loop_->stop();
  // Idle keep-alive connections would hold provider servers (and fakes) open.
  if (owned_transport_) owned_transport_->client().close_idle();
  // The journal's writer thread batches lines: readers of the file (the
  // scenario runner, replays) must see every line once stop() returns.
  journal_.flush();
  log("INFO: Stopped");
}

bool Service::reload(const RouterConfig& config, std::string* summary) {
  if (!router_) {
    if (summary) *summary = "not started";
    return false;
  }
  std::lock_guard lock(reload_mu_);
  // Ping keys that are new, or that are out of service now (the operator may
  // have fixed them at the provider); healthy unchanged keys keep serving.
  auto snap = router_->snapshot();
  std::vector<std::pair<std::string, std::string>> healthy;  // (provider, secret)
  for (size_t p = 0; p < snap.config.providers.size(); ++p)
    for (size_t i = 0; i < snap.config.providers[p].keys.size(); ++i) {
      const auto& kh = snap.keys[p][i];
      if (kh.state == KeyState::healthy || snap.now >= kh.until)
        healthy.emplace_back(snap.config.providers[p].name, snap.config.providers[p].keys[i].secret);
    }
  auto filter = [&](const ProviderConfig& p, const KeyConfig& k) {
    return std::find(healthy.begin(), healthy.end(), std::pair{p.name, k.secret}) == healthy.end();
  };
  log("INFO: Reloading configuration: " + std::to_string(config.key_count()) + " keys");
  auto results = validate_keys(config, *transport_, *clock_, options_.validation_parallelism, filter);
  router_->reload(config);
  if (options_.reloaded) options_.reloaded(config);
  record_validations(results);
  size_t ok = count_ok(results);
  std::string text = "reloaded " + std::to_string(config.key_count()) + " keys; validated " +
                     std::to_string(results.size()) + " new or out-of-service: " + std::to_string(ok) + " ok, " +
                     std::to_string(results.size() - ok) + " failed";
  log("INFO: " + text);
  journal_.write(clock_->wall(), JsonFields().add("type", "reload").add("summary", text));
  stats_.add(Stat::reloads, {"ok"});
  if (summary) *summary = text;
  return true;
}

bool Service::reload_from_source(std::string* summary) {
  RouterConfig config;
  if (options_.load_config) {
    std::string err;
    if (!options_.load_config(&config, &err)) {
      log("ERROR: Reload failed: " + err + " (keeping the current configuration)");
      stats_.add(Stat::reloads, {"error"});
      if (summary) *summary = err;
      return false;
    }
  } else {
    config = router_->config();
  }
  return reload(config, summary);
}

ChatRouter::KeyToggle Service::set_key_disabled(const std::string& provider, int key_index, bool disabled) {
  std::lock_guard lock(reload_mu_);
  auto result = router_->set_key_disabled(provider, key_index, disabled);
  if (result == ChatRouter::KeyToggle::changed || result == ChatRouter::KeyToggle::unchanged) {
    RouterConfig config = router_->config();
    std::string who = provider + " key " + std::to_string(key_index);
    for (const auto& pc : config.providers)
      if (pc.name == provider)
        for (const auto& kc : pc.keys)
          if (kc.index == key_index)
            who = pc.display_name + " Key " + std::to_string(key_index) + " (" + kc.masked() + ")";
    bool changed = result == ChatRouter::KeyToggle::changed;
    if (disabled)
      log(std::string("INFO: ") + who +
          (changed ? " disabled by the operator: out of rotation until enabled" : " was already disabled"));
    else
      log(std::string("INFO: ") + who +
          (changed ? " enabled by the operator: back in rotation (probed first)" : " was not disabled"));
  }
  return result;
}

std::vector<KeyValidation> Service::test_keys() {
  RouterConfig config = router_->config();
  log("INFO: Validating API keys...");
  auto results = validate_keys(config, *transport_, *clock_, options_.validation_parallelism);
  record_validations(results);
  for (const auto& line : validation_summary_lines(config, results)) log(line);
  return results;
}

json Service::status_json() {
  router_->tick();  // expired deadlines become key_released events first
  auto snap = router_->snapshot();
  StatusInputs in;
  in.snapshot = &snap;
  in.ready = ready();
  if (options_.incident_status) in.incident = options_.incident_status();
  if (options_.channels_status) in.channels = options_.channels_status();
  in.stats = stats_.to_json();
  json doc = status_document(in);
  if (options_.store_status) doc["store"] = options_.store_status();
  if (options_.status_extras) doc.update(options_.status_extras());
  doc["journal"] = journal_.status_json();
  doc["traffic"] = outcome_minutes_.to_json(snap.now);
  return doc;
}

}  // namespace keyward::http
