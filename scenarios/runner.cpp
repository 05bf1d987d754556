#include "scenarios/runner.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <tuple>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "base/assert.h"
#include "base/key_mask.h"
#include "router/core/env_file.h"
#include "scenarios/cluster_replicas.h"
#include "scenarios/expectations.h"
#include "scenarios/external_router.h"
#include "scenarios/router_under_test.h"

namespace keyward::scenarios {

std::string clock_label(Millis offset) {
  auto s = offset.count() / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "+%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buf;
}

namespace {

// Where the router must look for each fake, and where alerts go: added to
// the scenario's .env unless it sets them itself.
std::string wire_env(const std::string& env_text, fakes::World& world, std::string* added = nullptr) {
  auto parsed = parse_env(env_text, ".env").entries;
  std::string extra;
  auto add = [&](const std::string& name, const std::string& value) {
    if (!parsed.count(name)) extra += name + "=" + value + "\n";
  };
  for (auto* p : world.providers()) {
    std::string prefix = p->name();
    for (auto& c : prefix) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    add(prefix + "_BASE_URL", p->base_url());
  }
  if (auto* sinks = world.sinks()) {
    for (const auto& [name, url] : sinks->listeners()) {
      if (name == "smtp") {
        add("SMTP_URL", url);
        add("ALERT_EMAIL_FROM", "keyward@platform.example.com");
        add("ALERT_EMAIL_TO", "oncall@platform.example.com");
      } else if (name == "telegram") {
        add("TELEGRAM_API_URL", url);
        add("TELEGRAM_BOT_TOKEN", world.options().sinks.telegram->token.empty() ? "123:ABC"
                                                                                 : world.options().sinks.telegram->token);
        add("TELEGRAM_CHAT_ID", "424242");
      } else if (name == "webhook") {
        add("ALERT_WEBHOOK_URL", url);
      }
    }
  }
  if (added) *added = extra;
  return env_text + (env_text.empty() || env_text.back() == '\n' ? "" : "\n") + extra;
}

// Black-box: the external router must be told where the fakes are before it
// starts, so fakes without a fixed `listen` port get base, base+1, ...
// (providers in file order, then smtp, telegram, webhook). base 0: free ports.
fakes::WorldOptions with_fixed_ports(fakes::WorldOptions w, int base) {
  if (base <= 0) return w;
  int next = base;
  for (auto& p : w.providers) {
    if (p.port == 0) p.port = next;
    ++next;
  }
  auto fix = [&](std::string& listen) {
    if (listen.size() > 2 && listen.compare(listen.size() - 2, 2, ":0") == 0)
      listen = listen.substr(0, listen.size() - 1) + std::to_string(next);
    ++next;
  };
  if (w.sinks.smtp) fix(w.sinks.smtp->listen);
  if (w.sinks.telegram) fix(w.sinks.telegram->listen);
  if (w.sinks.webhook) fix(w.sinks.webhook->listen);
  return w;
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// Writes the external router's .env (and keyward.yaml) and says how to start it.
bool black_box_setup(const Scenario& scenario, const RunOptions& options, fakes::World& world,
                     const std::string& env_text, const std::string& wiring, BlackBoxSetup* out, std::string* error) {
  BlackBoxSetup& b = *out;
  b.env_path = options.env_file.empty() ? options.work_dir + "/.env" : options.env_file;
  if (!write_text(b.env_path, env_text)) {
    *error = "cannot write " + b.env_path;
    return false;
  }
  if (!scenario.config_yaml.empty()) {
    b.config_path = options.work_dir + "/keyward.yaml";
    if (!write_text(b.config_path, scenario.config_yaml)) {
      *error = "cannot write " + b.config_path;
      return false;
    }
  }
  for (const auto& l : world.listeners()) b.listeners.emplace_back(l.name, l.base_url);
  b.wiring = wiring;
  std::string scheme_host_port, prefix, listen = "127.0.0.1:5000";
  if (parse_router_url(options.router_url, &scheme_host_port, &prefix, error))
    listen = scheme_host_port.substr(scheme_host_port.find("://") + 3);
  b.serve_command = "keyward serve" + (b.config_path.empty() ? "" : " --config " + b.config_path) + " --env " +
                    b.env_path + " --listen " + listen + " --store " + options.work_dir + "/keyward-bb.db" +
                    " --journal " + options.work_dir + "/keyward-bb-journal.jsonl";
  std::string t = "black-box: " + scenario.name + " (" + scenario.file + ")\n  fakes (listening until the scenario ends):\n";
  for (const auto& [name, url] : b.listeners) {
    std::string pad(name.size() < 10 ? 10 - name.size() : 1, ' ');
    t += "    " + name + pad + url + "\n";
  }
  t += "  router .env: " + b.env_path + " (the scenario's .env plus these lines pointing it at the fakes:)\n";
  size_t pos = 0;
  while (pos < wiring.size()) {
    size_t end = wiring.find('\n', pos);
    if (end == std::string::npos) end = wiring.size();
    t += "    " + wiring.substr(pos, end - pos) + "\n";
    pos = end + 1;
  }
  t += "  router keyward.yaml: " + (b.config_path.empty() ? std::string("none needed (the scenario has no router config)")
                                                         : b.config_path + " (the scenario's router.config)") + "\n";
  t += "  start a fresh router (new store, no key variables in its environment) with:\n    " + b.serve_command + "\n";
  b.text = t;
  return true;
}


// Applies edits to .env text, keeping comments and order.
std::string edit_env(const std::string& text, const std::map<std::string, std::optional<std::string>>& edits) {
  std::string out;
  std::set<std::string> done;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    auto eq = line.find('=');
    std::string name = eq == std::string::npos ? "" : line.substr(0, eq);
    if (name.rfind("export ", 0) == 0) name = name.substr(7);
    auto it = edits.find(name);
    if (it != edits.end()) {
      done.insert(name);
      if (it->second) out += name + "=" + *it->second + "\n";
      continue;
    }
    out += line + "\n";
  }
  for (const auto& [name, value] : edits)
    if (!done.count(name) && value) out += name + "=" + *value + "\n";
  return out;
}

// Chat calls, not validation pings: OpenAI's chat/completions, Gemini's
// :generateContent and :streamGenerateContent.
bool is_chat_path(const std::string& path) {
  return path.find("chat/completions") != std::string::npos || path.find("enerateContent") != std::string::npos;
}

// fingerprint -> (provider, key index) for the keys of a .env.
std::map<std::pair<std::string, std::string>, int> key_indexes(const std::string& env_text) {
  RouterConfig cfg = default_config();
  apply_env(cfg, parse_env(env_text, ".env").entries, {});
  std::map<std::pair<std::string, std::string>, int> out;
  for (const auto& p : cfg.providers)
    for (const auto& k : p.keys) out[{p.name, key_fingerprint(k.secret)}] = k.index;
  return out;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

// The router's journal after the run, for the invariants; bounded so that a
// runaway scenario cannot exhaust memory here.
std::vector<nlohmann::json> read_router_journal(const std::string& path) {
  constexpr size_t kMaxLines = 200'000;
  std::vector<nlohmann::json> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (out.size() < kMaxLines && std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

// One request of the timeline over `client`, and what came back.
RequestRecord send_request(httplib::Client& client, const std::string& prefix, const Event& e, size_t event) {
  RequestRecord r;
  r.event = event;
  r.at = e.at;
  nlohmann::json body;
  std::string path;
  if (e.request.api == "chat") {
    path = "/api/ai/chat";
    body = {{"message", e.request.message}};
  } else {
    path = "/v1/chat/completions";
    body = {{"model", "keyward"}, {"messages", {{{"role", "user"}, {"content", e.request.message}}}}};
    if (e.request.stream) body["stream"] = true;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto res = client.Post(prefix + path, body.dump(), "application/json");
  r.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!res) return r;
  r.status = res->status;
  r.body = res->body;
  r.json = nlohmann::json::parse(res->body, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  if (e.request.stream) {
    // Reassemble the streamed text from the SSE frames.
    size_t pos = 0;
    while ((pos = r.body.find("data: ", pos)) != std::string::npos) {
      size_t end = r.body.find('\n', pos);
      auto frame = nlohmann::json::parse(r.body.substr(pos + 6, end - pos - 6), nullptr, false);
      if (!frame.is_discarded() && frame.contains("choices") && !frame["choices"].empty()) {
        const auto& d = frame["choices"][0]["delta"];
        if (d.contains("content") && d["content"].is_string()) r.content += d["content"].get<std::string>();
      }
      pos = end == std::string::npos ? r.body.size() : end;
    }
  }
  return r;
}

// "provider", "all_authentication_failed", ...: one word for the timeline.
std::string outcome_word(const RequestRecord& r) {
  const auto& j = r.json;
  if (!j.is_object()) return "";
  if (j.contains("source") && j["source"].is_string()) return j["source"].get<std::string>();
  if (j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
  if (j.contains("error") && j["error"].is_object() && j["error"].contains("code") && j["error"]["code"].is_string())
    return j["error"]["code"].get<std::string>();
  return "";
}

uint64_t total_arrivals(fakes::World& world) {
  uint64_t n = 0;
  for (auto* p : world.providers()) n += p->arrivals();
  return n;
}

// `request: {concurrent: N}`: N requests in flight at once over real sockets,
// sent by a bounded pool of clients (one connection each), served by the
// router's real threads. The simulated clock stands still meanwhile.
class Burst {
 public:
  static constexpr size_t kMaxClients = 64;

  Burst(const std::string& base_url, std::string prefix, const Event& e, size_t event)
      : prefix_(std::move(prefix)), event_(e), index_(event), records_(static_cast<size_t>(e.request.concurrent)) {
    size_t clients = std::min(records_.size(), kMaxClients);
    for (size_t c = 0; c < clients; ++c) {
      threads_.emplace_back([this, base_url] {
        httplib::Client client(base_url);
        client.set_tcp_nodelay(true);
        client.set_read_timeout(std::chrono::seconds(60));
        for (size_t n = next_++; n < records_.size(); n = next_++) {
          records_[n] = send_request(client, prefix_, event_, index_);
          if (records_[n].status == 0) client.stop();  // a fresh connection for the next one
          ++done_;
        }
      });
    }
  }
  ~Burst() { join(); }
  Burst(const Burst&) = delete;
  Burst& operator=(const Burst&) = delete;

  // Until `started()` (the router called a provider for the burst), or the
  // burst is over, or 5 s of wall time: an event `while` the burst lands
  // while requests are in flight.
  template <typename Started>
  void wait_in_flight(Started started) {
    auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!started() && done_ < records_.size() && std::chrono::steady_clock::now() < limit)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
  }

  // Every answer, in the canonical order of a burst: by status, then body
  // (which request of a burst got which answer is the threads' race, not
  // the router's behaviour).
  std::vector<RequestRecord> finish() {
    join();
    std::sort(records_.begin(), records_.end(), [](const RequestRecord& a, const RequestRecord& b) {
      return std::tie(a.status, a.body) < std::tie(b.status, b.body);
    });
    return std::move(records_);
  }

 private:
  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::string prefix_;
  const Event& event_;
  size_t index_;
  std::vector<RequestRecord> records_;
  std::atomic<size_t> next_{0}, done_{0};
  std::vector<std::thread> threads_;
};

}  // namespace

std::string black_box_skip_reason(const Scenario& s, const RunOptions& o) {
  if (!s.timeline.empty() && s.timeline.back().at > o.max_wall)
    return "timeline spans " + human_duration(s.timeline.back().at) + " of wall time, more than --max-wall-seconds " +
           std::to_string(o.max_wall.count() / 1000);
  if (s.replicas > 1)
    return "router.replicas: " + std::to_string(s.replicas) + " (a cluster runs in-process, on the runner's own redis-server)";
  if (!s.validate_on_start) return "validate_on_start: false (keyward serve validates every key at start)";
  if (s.reminder_interval != Millis(60 * 60'000))
    return "reminder_interval (an in-process override; set alerts.reminder_interval in router.config instead)";
  for (const auto& p : s.world.providers)
    if (p.tls) return "provider " + p.name + " uses tls (keyward serve rejects the fakes' self-signed certificate)";
  for (const auto& e : s.timeline) {
    std::string at = " at " + (e.at < Millis(60'000) ? std::to_string(e.at.count()) + " ms" : human_duration(e.at));
    if (e.kind == Event::Kind::restart) return "restart" + at + " (the runner cannot restart an external router)";
    if (e.kind == Event::Kind::health_check)
      return "health_check" + at + " (no HTTP route runs the daily health check)";
    if (e.kind == Event::Kind::reload && o.env_file.empty())
      return "reload" + at + " needs --env-file (the .env the external router reads)";
    if (e.kind == Event::Kind::reload && o.admin_token.empty())
      return "reload" + at + " needs --admin-token or KEYWARD_ADMIN_TOKEN";
  }
  return "";
}

nlohmann::json RunRecord::journal() const {
  nlohmann::json j;
  j["requests"] = nlohmann::json::array();
  for (const auto& r : requests)
    j["requests"].push_back({{"event", r.event}, {"at_ms", r.at.count()}, {"status", r.status}, {"body", r.body}});
  j["calls"] = nlohmann::json::array();
  for (const auto& c : calls)
    j["calls"].push_back({{"event", c.event}, {"at_ms", c.at.count()}, {"provider", c.provider},
                          {"key", c.masked_key}, {"path", c.path}, {"status", c.status}});
  j["alerts"] = nlohmann::json::array();
  for (const auto& a : alerts)
    j["alerts"].push_back({{"event", a.event}, {"at_ms", a.at.count()}, {"channel", a.channel},
                           {"subject", a.subject}, {"text", a.text}});
  j["timeline"] = timeline;
  return j;
}

RunRecord run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunRecord rec;
  auto wall_start = std::chrono::steady_clock::now();
  const bool black_box = !options.router_url.empty();
  rec.black_box = black_box;
  if (black_box) {
    rec.skipped = black_box_skip_reason(scenario, options);
    if (!rec.skipped.empty()) return rec;
  }
  // In-process, router and fakes share the simulated clock. Black-box, the
  // fakes run on real time from the scenario's start_at on (the external
  // router has its own real clock).
  SimClock clock(scenario.start_at);
  OffsetClock wall_clock;
  wall_clock.set_wall(scenario.start_at);
  const Clock* fake_clock = black_box ? static_cast<const Clock*>(&wall_clock) : &clock;
  fakes::World world(black_box ? with_fixed_ports(scenario.world, options.fake_port_base) : scenario.world,
                     *fake_clock);
  try {
    world.start();
  } catch (const std::exception& e) {
    rec.setup_error = std::string("fake world failed to start: ") + e.what();
    return rec;
  }
  std::filesystem::create_directories(options.work_dir);
  std::string wiring;
  std::string env_text = wire_env(scenario.env, world, &wiring);
  if (black_box && !options.admin_token.empty() && !parse_env(env_text, ".env").entries.count("KEYWARD_ADMIN_TOKEN")) {
    env_text += "KEYWARD_ADMIN_TOKEN=" + options.admin_token + "\n";
    wiring += "KEYWARD_ADMIN_TOKEN=(the admin token)\n";
  }
  RouterUnderTestOptions ro;
  ro.env_text = env_text;
  ro.config_yaml = scenario.config_yaml;
  ro.store_path = options.work_dir + "/keyward.sqlite";
  ro.journal_path = options.work_dir + "/keyward-journal.jsonl";
  ro.validate_on_start = scenario.validate_on_start;
  ro.reminder_interval = scenario.reminder_interval;
  // One router, or the replicas of a cluster (`routers[n - 1]` is replica n),
  // each with its own options (store, journal, Redis through its proxy).
  const bool cluster = scenario.replicas > 1 && !black_box;
  std::unique_ptr<ClusterReplicas> replicas;
  std::vector<RouterUnderTestOptions> ros(cluster ? static_cast<size_t>(scenario.replicas) : 1, ro);
  std::string error;
  if (cluster) {
    replicas = std::make_unique<ClusterReplicas>(scenario.replicas, options.work_dir);
    if (!replicas->start(&error)) {
      rec.setup_error = "cluster failed to start: " + error;
      return rec;
    }
    for (size_t n = 0; n < ros.size(); ++n) ros[n] = replicas->options_for(static_cast<int>(n + 1), ro);
    rec.replicas.resize(ros.size());
  }
  for (const auto& o : ros) {
    std::filesystem::remove(o.store_path);
    std::filesystem::remove(o.journal_path);
  }

  std::vector<std::unique_ptr<RouterHandle>> routers;
  std::vector<RouterUnderTest*> in_process_routers;  // the same, as the cluster needs them
  // Wall time of offset 0 on the fakes' clock, and (black-box) the real moment.
  WallTime origin = scenario.start_at;
  auto t0 = std::chrono::steady_clock::now();
  if (!black_box) {
    for (size_t n = 0; n < ros.size(); ++n) {
      auto in_process = std::make_unique<RouterUnderTest>(ros[n], clock);
      in_process_routers.push_back(in_process.get());
      routers.push_back(std::move(in_process));
      if (!in_process_routers.back()->start(&error)) {
        rec.setup_error = (cluster ? "replica " + std::to_string(n + 1) + " failed to start: " : "router failed to start: ") + error;
        return rec;
      }
      // The next replica starts once this one's verdicts are in Redis (it
      // adopts them instead of pinging the keys again), as a rolling start does.
      if (cluster && (!replicas->await_links(in_process_routers, &error) ||
                      !replicas->settle(in_process_routers, &error))) {
        rec.setup_error = "cluster: " + error;
        return rec;
      }
    }
  } else {
    BlackBoxSetup setup;
    if (!black_box_setup(scenario, options, world, env_text, wiring, &setup, &error)) {
      rec.setup_error = error;
      return rec;
    }
    std::string url = options.router_url;
    if (options.on_setup) options.on_setup(setup, &url);
    std::string scheme_host_port, prefix;
    if (!parse_router_url(url, &scheme_host_port, &prefix, &error)) {
      rec.setup_error = error;
      return rec;
    }
    auto external = std::make_unique<ExternalRouter>(url, options.admin_token, options.env_file);
    if (!external->wait_ready(options.wait_router, &error)) {
      rec.setup_error = error;
      return rec;
    }
    routers.push_back(std::move(external));
    t0 = std::chrono::steady_clock::now();
    origin = fake_clock->wall();
  }
  RouterHandle* router = routers.front().get();  // the one router (replica 1 of a cluster)
  std::vector<size_t> log_seen(routers.size(), 0);
  std::map<std::string, uint64_t> journal_seq;
  size_t mails_seen = 0, telegrams_seen = 0, hooks_seen = 0;
  Millis env_edited_at{0};
  std::map<std::pair<std::string, std::string>, int> fault_ids;  // (provider, scenario id) -> the fake's id

  auto make_client = [&](size_t n) {
    auto c = std::make_unique<httplib::Client>(routers[n]->base_url());
    c->set_tcp_nodelay(true);
    c->set_read_timeout(std::chrono::seconds(60));
    return c;
  };
  std::vector<std::unique_ptr<httplib::Client>> clients;
  for (size_t n = 0; n < routers.size(); ++n) clients.push_back(make_client(n));
  // Cluster: which replica each request event went to (its calls are that
  // replica's), and whose turn the next request is.
  std::map<size_t, int> event_replica;
  size_t turn = 0;
  // Waits until the cluster is quiet (cluster_replicas.h); false: rec.setup_error says why.
  auto settle = [&]() -> bool {
    if (!cluster) return true;
    if (!replicas->settle(in_process_routers, &error)) {
      rec.setup_error = "cluster: " + error;
      return false;
    }
    return true;
  };
  auto tick_all = [&] {
    for (auto& r : routers) r->tick();
  };

  // Which router key a fake saw: by the .env the running router was built from.
  auto active_keys = key_indexes(env_text);
  // A call belongs to the event during which it arrived, whenever the fake
  // finishes it (a hung call outlives the router's timeout): after each
  // event, each fake's arrival count so far. The fake journals a call when
  // it answers, with its request number given on arrival.
  std::map<std::string, std::vector<std::pair<uint64_t, size_t>>> arrived_by;
  auto mark_arrivals = [&](size_t event) {
    for (auto* p : world.providers()) arrived_by[p->name()].push_back({p->arrivals(), event});
  };
  auto event_of_call = [&](const std::string& provider, uint64_t request_no, size_t fallback) {
    for (const auto& [arrived, event] : arrived_by[provider])
      if (request_no <= arrived) return event;
    return fallback;
  };
  // Everything the world and the router did since the last look, tagged with the event.
  // A burst's batch is written in a canonical order (see Burst::finish).
  auto collect = [&](size_t event, Millis at, bool burst = false, int alert_replica = 0) {
    size_t first_new = rec.calls.size();
    size_t first_alert = rec.alerts.size();
    for (auto* p : world.providers()) {
      for (const auto& j : p->journal(journal_seq[p->name()])) {
        journal_seq[p->name()] = j.seq;
        auto idx = active_keys.find({p->name(), j.key_hash});
        size_t caused_by = event_of_call(p->name(), j.request_no, event);
        // Black-box: a call is dated by the event that caused it (the
        // scenario offset), as the simulated clock dates it in-process.
        Millis when = black_box ? (caused_by == event ? at : scenario.timeline[caused_by].at)
                                : Millis((j.time - origin).count());
        auto by = event_replica.find(caused_by);
        rec.calls.push_back({caused_by, when, p->name(), j.key_hash, j.key, idx == active_keys.end() ? 0 : idx->second,
                             j.path, j.status, is_chat_path(j.path), j.request_no,
                             by == event_replica.end() ? 0 : by->second});
      }
    }
    // Validation pings run in parallel, so their arrival order is not part of
    // the behaviour: order them by key for a byte-identical journal. Chat
    // calls keep their order (it is the failover order).
    std::stable_sort(rec.calls.begin() + static_cast<std::ptrdiff_t>(first_new), rec.calls.end(),
                     [](const CallRecord& a, const CallRecord& b) {
                       if (a.chat || b.chat) return a.chat && !b.chat;  // chat calls first, in order
                       return std::tie(a.provider, a.key_index, a.masked_key, a.path) <
                              std::tie(b.provider, b.key_index, b.masked_key, b.path);
                     });
    // Inside a burst, which request reached a fake first is the threads'
    // race: chat calls too are sorted, by provider, key, path and status.
    if (burst)
      std::stable_sort(rec.calls.begin() + static_cast<std::ptrdiff_t>(first_new), rec.calls.end(),
                       [](const CallRecord& a, const CallRecord& b) {
                         if (a.chat != b.chat) return a.chat;
                         return std::tie(a.provider, a.key_index, a.masked_key, a.path, a.status) <
                                std::tie(b.provider, b.key_index, b.masked_key, b.path, b.status);
                       });
    if (auto* sinks = world.sinks()) {
      if (auto* smtp = sinks->smtp()) {
        auto msgs = smtp->messages();
        for (; mails_seen < msgs.size(); ++mails_seen)
          rec.alerts.push_back({event, Millis((msgs[mails_seen].received - origin).count()), "email",
                                msgs[mails_seen].subject, msgs[mails_seen].body, alert_replica});
      }
      if (auto* tg = sinks->telegram()) {
        auto msgs = tg->messages();
        for (; telegrams_seen < msgs.size(); ++telegrams_seen)
          rec.alerts.push_back({event, Millis((msgs[telegrams_seen].received - origin).count()), "telegram",
                                first_line(msgs[telegrams_seen].text), msgs[telegrams_seen].text, alert_replica});
      }
      if (auto* wh = sinks->webhook()) {
        auto msgs = wh->messages();
        for (; hooks_seen < msgs.size(); ++hooks_seen) {
          const auto& j = msgs[hooks_seen].body;
          std::string subject = j.is_object() && j.contains("subject") && j["subject"].is_string()
                                    ? j["subject"].get<std::string>()
                                    : "";
          rec.alerts.push_back({event, Millis((msgs[hooks_seen].received - origin).count()), "webhook",
                                subject, j.dump(), alert_replica});
        }
      }
    }
    if (burst)
      std::stable_sort(rec.alerts.begin() + static_cast<std::ptrdiff_t>(first_alert), rec.alerts.end(),
                       [](const AlertRecord& a, const AlertRecord& b) {
                         return std::tie(a.channel, a.subject, a.text) < std::tie(b.channel, b.subject, b.text);
                       });
    for (size_t n = 0; n < routers.size(); ++n) {
      auto logs = routers[n]->logs();
      for (; log_seen[n] < logs.size(); ++log_seen[n]) {
        rec.logs.push_back({at, logs[log_seen[n]]});
        if (cluster) rec.replicas[n].logs.push_back({at, logs[log_seen[n]]});
      }
    }
  };
  // Each replica delivers what is due in its outbox; what the sinks get
  // then is that replica's (a single router: replica 0, unnamed).
  auto deliver = [&](size_t event, Millis at, bool burst) {
    for (size_t n = 0; n < routers.size(); ++n) {
      routers[n]->drain_alerts();
      collect(event, at, burst, cluster ? static_cast<int>(n + 1) : 0);
    }
  };
  // Alerts the start-up validation raised are delivered at offset 0, before
  // the first event, as a production start delivers them.
  tick_all();
  if (!settle()) return rec;
  mark_arrivals(0);
  deliver(0, Millis(0), false);

  // Everything but a request: the world, the .env, the operator's actions.
  // False when the router cannot go on (a restart failed: rec.setup_error).
  auto apply_event = [&](const Event& e, std::string& line) -> bool {
    switch (e.kind) {
      case Event::Kind::request: break;  // sent by the loop
      case Event::Kind::key_state:
        if (auto* p = world.provider(e.provider)) {
          // A state that ends on its own, on the fakes' clock.
          std::optional<WallTime> until;
          if (e.until_reset) until = fakes::FakeProvider::next_reset(fake_clock->wall());
          if (e.retry_after) until = fake_clock->wall() + *e.retry_after;
          p->set_key_state(e.key, e.key_state, e.key_variant, until);
        }
        line = "world: " + e.provider + " key " + mask_key(e.key) + " -> " + fakes::to_string(e.key_state);
        break;
      case Event::Kind::fault:
        if (auto* p = world.provider(e.provider)) {
          int installed = p->add_fault(e.fault);
          if (!e.fault_id.empty()) fault_ids[{e.provider, e.fault_id}] = installed;
        }
        line = "world: fault on " + e.provider + (e.fault_id.empty() ? "" : " (" + e.fault_id + ")");
        break;
      case Event::Kind::clear_fault:
        // By id: just that fault (the loader checked the id names one).
        if (auto* p = world.provider(e.provider)) {
          if (e.fault_id.empty()) {
            p->clear_faults();
          } else if (auto it = fault_ids.find({e.provider, e.fault_id}); it != fault_ids.end()) {
            p->remove_fault(it->second);
            fault_ids.erase(it);
          }
        }
        line = e.fault_id.empty() ? "world: faults cleared on " + e.provider
                                   : "world: fault " + e.fault_id + " cleared on " + e.provider;
        break;
      case Event::Kind::sink_fault:
      case Event::Kind::clear_sink_fault: {
        bool set = e.kind == Event::Kind::sink_fault;
        if (auto* sinks = world.sinks()) {
          if (e.sink == "smtp" && sinks->smtp()) set ? sinks->smtp()->set_fault(e.sink_fault) : sinks->smtp()->clear_faults();
          if (e.sink == "telegram" && sinks->telegram())
            set ? sinks->telegram()->set_fault(e.sink_fault) : sinks->telegram()->clear_faults();
          if (e.sink == "webhook" && sinks->webhook())
            set ? sinks->webhook()->set_fault(e.sink_fault) : sinks->webhook()->clear_faults();
        }
        line = std::string("world: sink ") + e.sink + (set ? " faulty" : " healthy");
        break;
      }
      case Event::Kind::edit_env:
        env_text = edit_env(env_text, e.env_edits);
        env_edited_at = e.at;
        line = "operator: .env edited";
        break;
      case Event::Kind::reload: {
        std::string summary;
        for (auto& r : routers) r->reload(env_text, &summary);
        // Merged, not replaced: calls of requests still in flight (a reload
        // `while:` a burst) used the previous keys and keep their numbers.
        for (auto& [key, index] : key_indexes(env_text)) active_keys[key] = index;
        line = "operator: reload (" + summary + ")";
        break;
      }
      case Event::Kind::restart: {
        // A cluster restarts the one replica named, or each in turn.
        for (size_t n = 0; n < routers.size(); ++n) {
          if (e.replica > 0 && n + 1 != static_cast<size_t>(e.replica)) continue;
          routers[n]->stop();
          RouterUnderTestOptions& o = ros[n];
          if (o.env_text != env_text) {
            o.keys_updated = true;
            o.keys_updated_at = scenario.start_at + env_edited_at;
          }
          o.env_text = env_text;
          o.validate_on_start = e.validate_on_start;
          auto* in_process = new RouterUnderTest(o, clock);
          routers[n].reset(in_process);
          in_process_routers[n] = in_process;
          log_seen[n] = 0;
          if (!in_process->start(&error)) {
            rec.setup_error = (cluster ? "replica " + std::to_string(n + 1) + " failed to restart: "
                                       : "router failed to restart: ") + error;
            return false;
          }
          clients[n] = make_client(n);
          // One replica after the other, each settled: a rolling restart.
          if (cluster && (!replicas->await_links(in_process_routers, &error) ||
                          !replicas->settle(in_process_routers, &error))) {
            rec.setup_error = "cluster: " + error;
            return false;
          }
        }
        router = routers.front().get();
        active_keys = key_indexes(env_text);
        line = e.replica > 0 ? "operator: restart replica " + std::to_string(e.replica) : "operator: restart";
        break;
      }
      case Event::Kind::health_check:
        routers[e.replica > 0 ? static_cast<size_t>(e.replica - 1) : 0]->run_health_check();
        line = e.replica > 0 ? "daily health check on replica " + std::to_string(e.replica) : "daily health check";
        break;
      case Event::Kind::redis:
        if (e.redis_down) {
          replicas->redis_down();
        } else if (!replicas->redis_up(&error)) {
          rec.setup_error = "cluster: " + error;
          return false;
        }
        line = e.redis_down ? "world: Redis down" : "world: Redis back (empty)";
        if (!replicas->await_links(in_process_routers, &error)) {
          rec.setup_error = "cluster: " + error;
          return false;
        }
        break;
      case Event::Kind::partition:
      case Event::Kind::heal:
        if (e.kind == Event::Kind::partition) replicas->partition(e.replica);
        else replicas->heal(e.replica);
        line = std::string("world: replica ") + std::to_string(e.replica) +
               (e.kind == Event::Kind::partition ? " cut off from Redis" : " reaches Redis again");
        if (!replicas->await_links(in_process_routers, &error)) {
          rec.setup_error = "cluster: " + error;
          return false;
        }
        break;
      case Event::Kind::advance:
        line = "clock";
        break;
    }
    return true;
  };

  for (size_t i = 0; i < scenario.timeline.size(); ++i) {
    const Event& e = scenario.timeline[i];
    // The loader sorts the timeline and refuses negative offsets; replay and
    // shrink build theirs through it. Simulated time never runs backwards.
    KEYWARD_ASSERT(e.at >= Millis(0) && (i == 0 || scenario.timeline[i - 1].at <= e.at));
    if (black_box) std::this_thread::sleep_until(t0 + e.at);
    else clock.set_wall(scenario.start_at + e.at);
    tick_all();
    if (!settle()) return rec;
    std::string line = clock_label(e.at) + " ";
    size_t skip_to = i;  // a burst runs the events `while` it itself
    std::vector<std::string> while_lines;
    switch (e.kind) {
      case Event::Kind::request: {
        // The replica it goes to: named, or the next in turn.
        size_t n = 0;
        if (cluster) {
          n = e.request.replica > 0 ? static_cast<size_t>(e.request.replica - 1) : turn++ % routers.size();
          event_replica[i] = static_cast<int>(n + 1);
          line += "replica " + std::to_string(n + 1) + ": ";
        }
        if (e.request.concurrent > 1) {
          // A burst: in flight on its own threads while the events that run
          // `while` it land; then collected as one batch.
          Burst burst(routers[n]->base_url(), routers[n]->path_prefix(), e, i);
          uint64_t arrived_before = total_arrivals(world);
          size_t last = i;
          while (last + 1 < scenario.timeline.size() && scenario.timeline[last + 1].while_burst == e.id) {
            // Land only once the router is calling the providers for it.
            burst.wait_in_flight([&] { return total_arrivals(world) > arrived_before; });
            const Event& w = scenario.timeline[++last];
            std::string while_line;
            if (!apply_event(w, while_line)) return rec;
            while_lines.push_back(clock_label(w.at) + " (while " + e.id + ") " + while_line);
          }
          std::vector<RequestRecord> records = burst.finish();
          std::map<int, int> statuses;
          for (const auto& r : records) ++statuses[r.status];
          line += "request " + (e.id.empty() ? e.request.api : e.id) + " x" + std::to_string(records.size()) + " ->";
          for (const auto& [status, n] : statuses) line += " " + std::to_string(status) + " x" + std::to_string(n);
          for (auto& r : records) {
            r.replica = cluster ? static_cast<int>(n + 1) : 0;
            rec.requests.push_back(std::move(r));
          }
          skip_to = last;
          break;
        }
        RequestRecord r = send_request(*clients[n], routers[n]->path_prefix(), e, i);
        r.replica = cluster ? static_cast<int>(n + 1) : 0;
        if (r.status == 0) clients[n] = make_client(n);
        line += "request " + (e.id.empty() ? e.request.api : e.id) + " -> " + std::to_string(r.status) +
                (outcome_word(r).empty() ? "" : " " + outcome_word(r));
        rec.requests.push_back(std::move(r));
        break;
      }
      default: {
        std::string what;
        if (!apply_event(e, what)) return rec;
        line += what;
        break;
      }
    }
    tick_all();
    if (!settle()) return rec;
    mark_arrivals(i);
    deliver(i, e.at, skip_to != i || (e.kind == Event::Kind::request && e.request.concurrent > 1));
    rec.statuses.push_back({e.at, router->status()});
    for (size_t n = 0; cluster && n < routers.size(); ++n) rec.replicas[n].statuses.push_back({e.at, routers[n]->status()});
    rec.timeline.push_back(line);
    for (auto& w : while_lines) rec.timeline.push_back(std::move(w));
    i = skip_to;
  }
  if (black_box) {
    // The external router delivers alerts on its own threads: give the last
    // ones a moment to arrive when the scenario counts them.
    bool counts_alerts = false;
    for (const auto& x : scenario.expectations)
      counts_alerts = counts_alerts || x.kind == Expectation::Kind::alerts;
    counts_alerts = counts_alerts || checker_applies(scenario, "one_alert_per_kind");
    // Its dispatcher sends as soon as an alert is queued: wait until the
    // sinks have been quiet for 250 ms (at most 3 s).
    auto received = [&] {
      size_t n = 0;
      if (auto* sinks = world.sinks()) {
        if (sinks->smtp()) n += sinks->smtp()->messages().size();
        if (sinks->telegram()) n += sinks->telegram()->messages().size();
        if (sinks->webhook()) n += sinks->webhook()->messages().size();
      }
      return n;
    };
    auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    auto quiet_since = std::chrono::steady_clock::now();
    for (size_t seen = received(); counts_alerts && std::chrono::steady_clock::now() < limit;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
      size_t now = received();
      if (now != seen) {
        seen = now;
        quiet_since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - quiet_since >= std::chrono::milliseconds(250)) {
        break;
      }
    }
  }
  rec.metrics = "";
  for (size_t n = 0; n < routers.size(); ++n) {
    // A cluster's metrics: every replica's, one after the other, so that a
    // metric's sum is the cluster's.
    std::string m = routers[n]->metrics();
    rec.metrics += m;
    if (cluster) rec.replicas[n].metrics = std::move(m);
    routers[n]->stop();
  }
  // A call still hanging when the run ends is journaled when the fake lets go
  // of it, and the fakes let go of all of them at once, in any order: they
  // are written in a canonical order (event, provider, request number).
  size_t before = rec.calls.size();
  world.stop();
  collect(scenario.timeline.empty() ? 0 : scenario.timeline.size() - 1, scenario.end_at);
  std::sort(rec.calls.begin() + static_cast<std::ptrdiff_t>(before), rec.calls.end(),
            [](const CallRecord& a, const CallRecord& b) {
              return std::tie(a.event, a.provider, a.request_no) < std::tie(b.event, b.provider, b.request_no);
            });
  // Calls finished after a later event began sit in that event's batch:
  // back in event order (stable: within an event, the order they came in).
  std::stable_sort(rec.calls.begin(), rec.calls.end(),
                   [](const CallRecord& a, const CallRecord& b) { return a.event < b.event; });
  if (!cluster) {
    rec.router_journal = read_router_journal(ro.journal_path);
  } else {
    // Each replica's journal; the run's is all of them, each line marked with its replica.
    for (size_t n = 0; n < ros.size(); ++n) {
      rec.replicas[n].router_journal = read_router_journal(ros[n].journal_path);
      for (auto line : rec.replicas[n].router_journal) {
        line["replica"] = n + 1;
        rec.router_journal.push_back(std::move(line));
      }
    }
  }
  rec.simulated = scenario.end_at;
  rec.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_start).count();
  return rec;
}

}  // namespace keyward::scenarios
