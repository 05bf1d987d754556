#include "router/cluster/cluster_link.h"

#include <openssl/sha.h>
#include <unistd.h>

#include <chrono>
#include <limits>
#include <tuple>
#include <cstdio>

#include "router/cluster/redis_connection.h"
#include "router/store/incident_store.h"

namespace keyward::cluster {

namespace {

using json = nlohmann::json;

int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Joins two JSON documents of shared facts of one kind; null when `incoming`
// is malformed (a replica of another version): nothing is written then.
json join_facts(bool provider, const json& current, const json& incoming) {
  if (provider) {
    auto in = SharedProviderState::from_json(incoming);
    if (!in) return nullptr;
    if (auto cur = SharedProviderState::from_json(current)) in->merge(*cur);
    return in->to_json();
  }
  auto in = SharedKeyState::from_json(incoming);
  if (!in) return nullptr;
  if (auto cur = SharedKeyState::from_json(current)) in->merge(*cur);
  return in->to_json();
}

}  // namespace

std::string key_id(const std::string& secret) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), digest);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

ClusterLink::ClusterLink(ClusterOptions options, ChatRouter& router) : ClusterLink(std::move(options)) {
  attach(router);
}

ClusterLink::ClusterLink(ClusterOptions options) : options_(std::move(options)) {
  if (options_.replica_id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    options_.replica_id = std::string(host) + "-" + std::to_string(getpid());
  }
}

ClusterLink::~ClusterLink() { stop(); }

void ClusterLink::attach(ChatRouter& router) { router_ = &router; }

void ClusterLink::log(const std::string& line) const {
  if (options_.log) options_.log(line);
  else std::fprintf(stderr, "%s\n", line.c_str());
}

std::string ClusterLink::redis_key(const std::string& kind, const std::string& name) const {
  return options_.key_prefix + ":" + kind + ":" + name;
}

std::string ClusterLink::channel() const { return options_.key_prefix + ":events"; }

std::unique_ptr<RedisConnection> ClusterLink::connect(std::string* error) {
  return RedisConnection::connect(options_.redis, options_.redis_timeout, error);
}

void ClusterLink::set_config(const RouterConfig& config) {
  std::lock_guard lock(mu_);
  names_.clear();
  ids_.clear();
  for (const auto& p : config.providers) {
    for (const auto& k : p.keys) {
      std::string id = key_id(k.secret);
      names_[id] = {p.name, k.index, k.masked()};
      ids_[{p.name, k.index}] = id;
    }
  }
}

void ClusterLink::set_healthy(bool ok, const std::string& reason) {
  bool was = healthy_.exchange(ok);
  std::lock_guard lock(mu_);
  if (!ok) {
    ++stats_.redis_errors;
    reason_ = reason;
  }
  // The first failure is news even though the link never was healthy: a
  // replica that starts while Redis is away says so once.
  bool first = !announced_;
  announced_ = true;
  if (was == ok && !first) return;
  if (ok) {
    reason_.clear();
    if (!joined_) {
      joined_ = true;
      log("INFO: cluster: replica " + options_.replica_id + " joined " + options_.redis.display());
    } else {
      log("INFO: cluster: Redis is back; resynchronised this replica with the cluster");
    }
  } else {
    ++stats_.degraded;
    log("WARN: cluster: Redis at " + options_.redis.display() + " is unreachable (" + reason +
        "): serving on this replica's own state; alerts from here may repeat another replica's");
  }
}

void ClusterLink::start() {
  if (started_) return;
  started_ = true;
  stopping_ = false;
  // The first resync happens before traffic: a replica that joins learns
  // the cluster's quarantines before it routes its first request.
  std::string error;
  if (auto c = connect(&error); c && resync(*c)) {
    set_healthy(true, "");
  } else {
    set_healthy(false, error.empty() ? "resync failed" : error);
  }
  writer_ = std::thread([this] { writer_loop(); });
  subscriber_ = std::thread([this] { subscriber_loop(); });
}

void ClusterLink::stop() {
  if (!started_) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  // The subscriber waits for a message up to 200 ms at a time: one on the
  // channel wakes it to see it must stop (the other replicas ignore it).
  if (subscribed_.load()) {
    std::lock_guard lock(claim_mu_);
    std::string error;
    json wake = {{"from", options_.replica_id}, {"type", "wake"}, {"name", ""}, {"facts", nullptr}};
    claim_command({"PUBLISH", channel(), wake.dump()}, &error);
  }
  if (writer_.joinable()) writer_.join();
  if (subscriber_.joinable()) subscriber_.join();
  started_ = false;
}

void ClusterLink::on_pool_event(const PoolEvent& e) {
  if (e.remote || !e.view) return;  // learnt from Redis: already there
  bool key_change = e.kind == PoolEventKind::key_quarantined || e.kind == PoolEventKind::key_exhausted ||
                    e.kind == PoolEventKind::key_rate_limited || e.kind == PoolEventKind::key_recovered ||
                    e.kind == PoolEventKind::key_validated;
  bool provider_change = e.kind == PoolEventKind::provider_ejected;
  if (!key_change && !provider_change) return;
  const ProviderView* pv = e.view->provider(e.provider);
  if (!pv) return;
  if (key_change) {
    std::string id;
    {
      std::lock_guard lock(mu_);
      auto it = ids_.find({e.provider, e.key_index});
      if (it == ids_.end()) return;
      id = it->second;
    }
    const KeyView* kv = pv->key(e.key_index);
    if (!kv) return;
    enqueue("key:" + id, {Pending::Kind::key, id, kv->shared.to_json()});
    // The key works again: its next failure is a new episode, alerted anew.
    if (e.kind == PoolEventKind::key_recovered || e.kind == PoolEventKind::key_validated) {
      std::string subject = e.provider + "#" + std::to_string(e.key_index);
      release({std::string(to_string(AlertKind::key_auth_failed)) + "|" + subject,
               std::string(to_string(AlertKind::quota_exhausted)) + "|" + subject,
               std::string(to_string(AlertKind::provider_all_keys_failed)) + "|" + e.provider});
    }
  } else {
    enqueue("provider:" + e.provider, {Pending::Kind::provider, e.provider, pv->shared.to_json()});
  }
}

void ClusterLink::enqueue(const std::string& slot, Pending p) {
  std::lock_guard lock(mu_);
  if (p.kind == Pending::Kind::release) {
    // Claims to free accumulate in one slot.
    auto& r = pending_[slot];
    r.kind = Pending::Kind::release;
    if (!r.facts.is_array()) r.facts = nlohmann::json::array();
    for (const auto& n : p.facts) r.facts.push_back(n);
  } else {
    pending_[slot] = std::move(p);
  }
  ++enqueued_;
  cv_.notify_all();
}

void ClusterLink::set_incidents(IncidentEngine* engine) {
  std::lock_guard lock(mu_);
  incidents_ = engine;
}

void ClusterLink::opened(const IncidentRecord& incident) {
  enqueue("incident:" + incident.id, {Pending::Kind::incident_open, incident.id, store::incident_to_json(incident)});
}

void ClusterLink::resolved(const IncidentRecord& incident) {
  enqueue("incident:" + incident.id,
          {Pending::Kind::incident_resolved, incident.id, store::incident_to_json(incident)});
  // A new incident of the same kind alerts afresh.
  std::vector<std::string> names(incident.dedup.begin(), incident.dedup.end());
  release(std::move(names));
}

void ClusterLink::release(std::vector<std::string> names) {
  if (names.empty()) return;
  enqueue("release", {Pending::Kind::release, "", nlohmann::json(names)});
}

bool ClusterLink::write(RedisConnection& c, const Pending& p) {
  std::string error;
  switch (p.kind) {
    case Pending::Kind::key:
    case Pending::Kind::provider:
      return write_facts(c, p);
    case Pending::Kind::incident_open:
    case Pending::Kind::incident_resolved:
      return write_incident(c, p);
    case Pending::Kind::release: {
      std::vector<std::string> del = {"DEL"};
      for (const auto& n : p.facts) del.push_back(redis_key("claim", "alert:" + n.get<std::string>()));
      return c.command(del, &error).has_value();
    }
  }
  return true;
}

bool ClusterLink::write_incident(RedisConnection& c, const Pending& p) {
  std::string key = redis_key("incident", "open");
  std::string error;
  IncidentRecord mine;
  if (!store::incident_from_json(p.facts, &mine)) return true;
  bool open = p.kind == Pending::Kind::incident_open;
  for (int attempt = 0; attempt < 8; ++attempt) {
    if (!c.command({"WATCH", key}, &error)) return false;
    auto cur = c.command({"GET", key}, &error);
    if (!cur) return false;
    IncidentRecord theirs;
    bool have = cur->type == RedisReply::Type::string &&
                store::incident_from_json(json::parse(cur->str, nullptr, false), &theirs);
    std::vector<std::string> write;
    if (open) {
      // The earliest open incident is the cluster's.
      if (have && std::tie(theirs.opened_at, theirs.id) <= std::tie(mine.opened_at, mine.id)) {
        c.command({"UNWATCH"}, &error);
        IncidentEngine* engine;
        {
          std::lock_guard lock(mu_);
          engine = incidents_;
        }
        if (engine) engine->adopt_remote_open(theirs);
        return true;
      }
      write = {"SET", key, p.facts.dump(), "PX", std::to_string(options_.ttl.count())};
    } else {
      if (have && theirs.id != mine.id) {
        c.command({"UNWATCH"}, &error);
        return true;  // another incident is open now: not ours to close
      }
      write = {"DEL", key};
    }
    json message = {{"from", options_.replica_id},
                    {"type", open ? "incident_open" : "incident_resolved"},
                    {"name", mine.id},
                    {"facts", p.facts}};
    if (!c.command({"MULTI"}, &error) || !c.command(write, &error) ||
        !c.command({"PUBLISH", channel(), message.dump()}, &error))
      return false;
    auto exec = c.command({"EXEC"}, &error);
    if (!exec) return false;
    if (exec->type == RedisReply::Type::array) return true;
  }
  return true;
}

bool ClusterLink::write_facts(RedisConnection& c, const Pending& p) {
  bool provider = p.kind == Pending::Kind::provider;
  std::string key = redis_key(provider ? "provider" : "key", p.name);
  std::string error;
  // Optimistic: read, join, write back unless someone wrote meanwhile.
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto w = c.command({"WATCH", key}, &error);
    auto cur = w ? c.command({"GET", key}, &error) : std::nullopt;
    if (!cur) return false;
    json current = cur->type == RedisReply::Type::string ? json::parse(cur->str, nullptr, false) : json();
    json merged = join_facts(provider, current, p.facts);
    if (merged.is_null()) {
      c.command({"UNWATCH"}, &error);
      return true;  // nothing sensible to write; not Redis's fault
    }
    json message = {{"from", options_.replica_id}, {"type", provider ? "provider" : "key"}, {"name", p.name},
                    {"facts", merged}};
    if (!c.command({"MULTI"}, &error) ||
        !c.command({"SET", key, merged.dump(), "PX", std::to_string(options_.ttl.count())}, &error) ||
        !c.command({"PUBLISH", channel(), message.dump()}, &error))
      return false;
    auto exec = c.command({"EXEC"}, &error);
    if (!exec) return false;
    if (exec->type == RedisReply::Type::array) {
      std::lock_guard lock(mu_);
      ++stats_.published;
      return true;
    }
    // nil: the key changed under us; read and join again.
  }
  return true;  // contended for a while: the next change of this key writes again
}

void ClusterLink::writer_loop() {
  std::unique_ptr<RedisConnection> c;
  Millis backoff{50};
  for (;;) {
    std::map<std::string, Pending> batch;
    uint64_t upto = 0;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      batch.swap(pending_);
      upto = enqueued_;
    }
    std::string error;
    bool fresh = false;
    if (!c || c->broken()) {
      c = connect(&error);
      fresh = true;
    }
    bool ok = c != nullptr;
    auto it = batch.begin();
    while (ok && it != batch.end()) {
      if (write(*c, it->second)) {
        ++it;
        continue;
      }
      // A connection left idle across a Redis restart fails on its first
      // use: replaced once before Redis counts as away.
      if (fresh) {
        ok = false;
        break;
      }
      c = connect(&error);
      fresh = true;
      ok = c != nullptr;
    }
    if (!ok) {
      if (c && c->broken()) error = "write failed";
      set_healthy(false, error.empty() ? "write failed" : error);
      c.reset();
      std::unique_lock lock(mu_);
      // Unwritten facts wait for Redis; a newer version queued meanwhile wins.
      for (auto rest = batch.begin(); rest != batch.end(); ++rest) pending_.insert(*rest);
      cv_.wait_for(lock, backoff, [&] { return stopping_; });
      backoff = std::min(backoff * 2, options_.retry_max);
      continue;
    }
    backoff = Millis(50);
    // Writes work again and the subscription never broke: nothing was missed.
    if (!healthy_.load() && subscribed_.load()) set_healthy(true, "");
    std::lock_guard lock(mu_);
    written_ = std::max(written_, upto);
    cv_.notify_all();
  }
}

bool ClusterLink::resync(RedisConnection& c) {
  std::string error;
  size_t merged = 0;
  int64_t t0 = steady_ms();
  for (const char* kind : {"key", "provider"}) {
    std::string cursor = "0";
    for (int rounds = 0; rounds < 10'000; ++rounds) {
      auto page = c.command({"SCAN", cursor, "MATCH", redis_key(kind, "*"), "COUNT", "500"}, &error);
      if (!page || page->type != RedisReply::Type::array || page->elements.size() != 2) return false;
      cursor = page->elements[0].str;
      for (const auto& k : page->elements[1].elements) {
        auto v = c.command({"GET", k.str}, &error);
        if (!v) return false;
        if (v->type != RedisReply::Type::string) continue;
        std::string name = k.str.substr(redis_key(kind, "").size());
        apply(json{{"from", ""}, {"type", kind}, {"name", name}, {"facts", json::parse(v->str, nullptr, false)}});
        ++merged;
      }
      if (cursor == "0") break;
    }
  }
  auto open = c.command({"GET", redis_key("incident", "open")}, &error);
  if (!open) return false;
  if (open->type == RedisReply::Type::string)
    apply(json{{"from", ""}, {"type", "incident_open"}, {"name", ""}, {"facts", json::parse(open->str, nullptr, false)}});
  std::lock_guard lock(mu_);
  ++stats_.resyncs;
  last_resync_ms_ = steady_ms() - t0;
  (void)merged;
  return true;
}

void ClusterLink::apply(const json& m) {
  if (!m.is_object() || !m.contains("type") || !m.contains("name") || !m.contains("facts")) return;
  std::string type = m["type"].is_string() ? m["type"].get<std::string>() : "";
  if (type == "sync") {
    // A sync() marker: ours means everything published before it was applied here.
    if (m.value("from", "") == options_.replica_id && m["name"].is_number_unsigned()) {
      std::lock_guard lock(mu_);
      syncs_seen_ = std::max(syncs_seen_, m["name"].get<uint64_t>());
      cv_.notify_all();
    }
    return;
  }
  if (m.value("from", "") == options_.replica_id) return;
  std::string name = m["name"].is_string() ? m["name"].get<std::string>() : "";
  if (type == "incident_open" || type == "incident_resolved") {
    IncidentRecord r;
    IncidentEngine* engine;
    {
      std::lock_guard lock(mu_);
      engine = incidents_;
    }
    if (!engine || !store::incident_from_json(m["facts"], &r)) return;
    if (type == "incident_open") engine->adopt_remote_open(r);
    else engine->adopt_remote_resolved(r);
    std::lock_guard lock(mu_);
    ++stats_.applied;
    return;
  }
  if (type == "provider") {
    if (auto facts = SharedProviderState::from_json(m["facts"])) {
      if (router_) router_->merge_shared_provider(name, *facts);
      std::lock_guard lock(mu_);
      ++stats_.applied;
    }
    return;
  }
  if (type != "key") return;
  KeyName who;
  {
    std::lock_guard lock(mu_);
    auto it = names_.find(name);
    if (it == names_.end()) return;  // a key this replica does not have
    who = it->second;
  }
  if (auto facts = SharedKeyState::from_json(m["facts"]); facts && router_) {
    router_->merge_shared(who.provider, who.index, *facts);
    std::lock_guard lock(mu_);
    ++stats_.applied;
  }
}

void ClusterLink::subscriber_loop() {
  Millis backoff{50};
  auto pause = [&] {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [&] { return stopping_; });
    backoff = std::min(backoff * 2, options_.retry_max);
    return !stopping_;
  };
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    std::string error;
    auto sub = connect(&error);
    std::optional<RedisReply> ack;
    if (sub) ack = sub->command({"SUBSCRIBE", channel()}, &error);
    // Subscribe first, then read everything: nothing published in between is lost.
    std::unique_ptr<RedisConnection> reader = ack ? connect(&error) : nullptr;
    if (!reader || !resync(*reader)) {
      set_healthy(false, error.empty() ? "resync failed" : error);
      if (!pause()) return;
      continue;
    }
    subscribed_ = true;
    set_healthy(true, "");
    backoff = Millis(50);
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      bool timed_out = false;
      auto msg = sub->next_push(Millis(200), &timed_out, &error);
      if (msg) {
        if (msg->type == RedisReply::Type::array && msg->elements.size() == 3 && msg->elements[0].str == "message")
          apply(json::parse(msg->elements[2].str, nullptr, false));
        continue;
      }
      if (timed_out) continue;
      subscribed_ = false;
      cv_.notify_all();  // a sync() waiting for its marker gives up
      set_healthy(false, error);
      break;
    }
    if (!pause()) return;
  }
}

std::optional<RedisReply> ClusterLink::claim_command(const std::vector<std::string>& argv, std::string* error) {
  // Called with claim_mu_ held. A connection left idle across a Redis
  // restart fails on its first use: replaced once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool fresh = false;
    if (!claim_conn_ || claim_conn_->broken()) {
      claim_conn_ = connect(error);
      fresh = true;
    }
    if (!claim_conn_) return std::nullopt;
    if (auto r = claim_conn_->command(argv, error)) return r;
    claim_conn_.reset();
    if (fresh) break;
  }
  return std::nullopt;
}

bool ClusterLink::claim(const std::string& name, Millis ttl) {
  static const RealClock system_clock;
  const Clock& clock = options_.clock ? *options_.clock : system_clock;
  int64_t now = std::chrono::duration_cast<Millis>(clock.wall().time_since_epoch()).count();
  std::string key = redis_key("claim", name);
  std::string px = std::to_string(std::max<int64_t>(1, ttl.count()));  // garbage collection only
  std::string value = json{{"by", options_.replica_id}, {"until_ms", now + ttl.count()}}.dump();
  std::lock_guard lock(claim_mu_);
  std::string error;
  auto degraded = [&] {
    set_healthy(false, error.empty() ? "claim failed" : error);
    return true;  // partitioned: better twice than never
  };
  auto r = claim_command({"SET", key, value, "NX", "PX", px}, &error);
  if (!r || r->is_error()) return degraded();
  if (r->type == RedisReply::Type::status) return true;
  // Held: still, or by a claim whose deadline has passed on the router's
  // clock (Redis has not collected it yet)? Then it is taken over, atomically.
  for (int attempt = 0; attempt < 4; ++attempt) {
    RedisConnection& c = *claim_conn_;
    if (!c.command({"WATCH", key}, &error)) return degraded();
    auto cur = c.command({"GET", key}, &error);
    if (!cur) return degraded();
    json held = cur->type == RedisReply::Type::string ? json::parse(cur->str, nullptr, false) : json();
    bool expired = cur->type == RedisReply::Type::nil ||
                   (held.is_object() && held.value("until_ms", std::numeric_limits<int64_t>::max()) <= now);
    if (!expired) {
      c.command({"UNWATCH"}, &error);
      return false;
    }
    if (!c.command({"MULTI"}, &error) || !c.command({"SET", key, value, "PX", px}, &error)) return degraded();
    auto exec = c.command({"EXEC"}, &error);
    if (!exec) return degraded();
    if (exec->type == RedisReply::Type::array) return true;
  }
  return false;  // contended: another replica took it meanwhile
}

std::optional<SharedKeyState> ClusterLink::read_key(const std::string& secret) {
  std::lock_guard lock(claim_mu_);
  std::string error;
  auto r = claim_command({"GET", redis_key("key", key_id(secret))}, &error);
  if (!r || r->type != RedisReply::Type::string) return std::nullopt;
  return SharedKeyState::from_json(json::parse(r->str, nullptr, false));
}

bool ClusterLink::flush(Millis timeout) {
  std::unique_lock lock(mu_);
  uint64_t target = enqueued_;
  return cv_.wait_for(lock, timeout, [&] { return written_ >= target || !healthy_.load() || stopping_; }) &&
         written_ >= target;
}

bool ClusterLink::sync(Millis timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  if (!flush(timeout) || !subscribed_.load()) return false;
  uint64_t token;
  {
    std::lock_guard lock(mu_);
    token = ++syncs_sent_;
  }
  json marker = {{"from", options_.replica_id}, {"type", "sync"}, {"name", token}, {"facts", nullptr}};
  {
    std::lock_guard lock(claim_mu_);
    std::string error;
    auto r = claim_command({"PUBLISH", channel(), marker.dump()}, &error);
    if (!r || r->is_error()) return false;
  }
  std::unique_lock lock(mu_);
  return cv_.wait_until(lock, deadline, [&] { return syncs_seen_ >= token || stopping_ || !subscribed_.load(); }) &&
         syncs_seen_ >= token;
}

ClusterLink::Stats ClusterLink::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

json ClusterLink::status_json() const {
  std::lock_guard lock(mu_);
  bool ok = healthy_.load();
  json j{{"replica_id", options_.replica_id},
         {"redis", options_.redis.display()},
         {"state", ok ? "connected" : "degraded"},
         {"keys_shared", names_.size()},
         {"published", stats_.published},
         {"applied", stats_.applied}};
  if (!ok) j["degraded_reason"] = reason_.empty() ? "not connected yet" : reason_;
  j["last_resync_ms"] = last_resync_ms_ < 0 ? json(nullptr) : json(last_resync_ms_);
  return j;
}

}  // namespace keyward::cluster
