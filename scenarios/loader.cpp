// Strict scenario loading: unknown fields, wrong types and negative times are
// errors that name file:line and the field's path.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/durations.h"
#include "base/yaml_reader.h"
#include "fakes/key_state.h"
#include "router/core/config.h"
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/opt_outs.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios {

namespace {

constexpr size_t kMaxTimelineEvents = 100'000;
constexpr int kMaxReplicas = 5;

// `replica: N` of an event or an expectation: a replica of the scenario's
// cluster. A one-router scenario has no replicas to name.
int replica_field(const YamlField& f, int replicas) {
  if (replicas <= 1)
    f.fail("replica needs a cluster (router: {replicas: N} with N from 2 to " + std::to_string(kMaxReplicas) +
           "); this scenario runs one router");
  return static_cast<int>(f.integer(1, replicas));
}

// Offsets count from start_at: a negative one is a mistake worth naming.
Millis duration(const YamlField& f) {
  if (f.node.IsScalar() && f.node.Scalar().rfind('-', 0) == 0)
    f.fail("negative time '" + f.node.Scalar() + "' (offsets count from start_at)");
  return f.duration();
}

// A string, or a list of strings.
std::vector<std::string> strings(const YamlField& f) {
  std::vector<std::string> out;
  if (f.node.IsSequence()) {
    for (size_t i = 0; i < f.node.size(); ++i) out.push_back(f.at(i).str());
  } else {
    out.push_back(f.str());
  }
  return out;
}

// "text" (exact) or {equals|contains|absent: text or [texts]}.
Matcher matcher(const YamlField& f, bool scalar_means_contains) {
  Matcher m;
  if (f.node.IsScalar()) {
    (scalar_means_contains ? m.contains : m.equals).push_back(f.str());
    return m;
  }
  f.only({"equals", "contains", "absent"});
  if (f.has("equals")) m.equals = strings(f.child("equals"));
  if (f.has("contains")) m.contains = strings(f.child("contains"));
  if (f.has("absent")) m.absent = strings(f.child("absent"));
  return m;
}

// The closest of `names` to a misspelt one, as " (did you mean 'x'?)", or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& names) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t above = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = above;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& n : names) {
    size_t d = distance(word, n);
    if (d < best_distance) {
      best = n;
      best_distance = d;
    }
  }
  return best.empty() ? "" : " (did you mean '" + best + "'?)";
}

// `3`, or `{min: A}`, `{max: B}`, `{min: A, max: B}`.
Count count(const YamlField& f, int64_t limit) {
  if (f.node.IsScalar()) return Count(static_cast<int>(f.integer(0, limit)));
  if (!f.node.IsMap()) f.fail("expected a count: N, {min: A}, {max: B} or {min: A, max: B}");
  f.only({"min", "max"});
  if (!f.has("min") && !f.has("max")) f.fail("a bound needs min, max or both");
  Count c;
  if (f.has("min")) c.min = static_cast<int>(f.child("min").integer(0, limit));
  if (f.has("max")) c.max = static_cast<int>(f.child("max").integer(0, limit));
  if (c.min && c.max && *c.min > *c.max) f.fail("min " + std::to_string(*c.min) + " is above max " + std::to_string(*c.max));
  return c;
}

Spread spread(const YamlField& f) {
  f.only({"provider", "keys", "max_ratio"});
  Spread sp;
  if (!f.has("provider")) f.fail("missing field 'provider'");
  sp.provider = f.child("provider").str();
  if (!f.has("keys")) f.fail("missing field 'keys' (the key numbers to compare, e.g. [1, 3])");
  auto keys = f.child("keys");
  keys.require_sequence();
  for (size_t i = 0; i < keys.node.size(); ++i) {
    int k = static_cast<int>(keys.at(i).integer(1, 1000));
    if (std::find(sp.keys.begin(), sp.keys.end(), k) != sp.keys.end()) keys.at(i).fail("key " + std::to_string(k) + " twice");
    sp.keys.push_back(k);
  }
  if (sp.keys.size() < 2) keys.fail("a spread compares at least two keys");
  if (!f.has("max_ratio")) f.fail("missing field 'max_ratio' (busiest key's calls over the quietest's, e.g. 1.2)");
  sp.max_ratio = f.child("max_ratio").as<double>("a number");
  if (!(sp.max_ratio >= 1.0) || sp.max_ratio > 1e6) f.child("max_ratio").fail("expected a ratio of at least 1");
  return sp;
}

Window window(const YamlField& f) {
  if (!f.node.IsSequence() || f.node.size() < 1 || f.node.size() > 2)
    f.fail("expected [from, to] with event ids or offsets (e.g. [first, +1s])");
  Window w;
  w.from = f.at(0).str();
  if (f.node.size() == 2) w.to = f.at(1).str();
  return w;
}

RequestSpec request(const YamlField& f, int replicas) {
  f.only({"api", "message", "stream", "repeat", "every", "concurrent", "replica"});
  RequestSpec r;
  if (f.has("api")) {
    r.api = f.child("api").str();
    if (r.api != "chat" && r.api != "openai") f.child("api").fail("expected chat or openai, got '" + r.api + "'");
  }
  if (!f.has("message")) f.fail("missing field 'message'");
  r.message = f.child("message").str();
  if (f.has("stream")) r.stream = f.child("stream").boolean();
  if (r.stream && r.api != "openai") f.child("stream").fail("streaming needs api: openai");
  if (f.has("repeat")) r.repeat = f.child("repeat").integer(1, 100000);
  if (f.has("every")) r.every = duration(f.child("every"));
  if (f.has("concurrent")) r.concurrent = static_cast<int>(f.child("concurrent").integer(1, 10000));
  if (f.has("replica")) r.replica = replica_field(f.child("replica"), replicas);
  return r;
}

fakes::SinkFault sink_fault(const YamlField& f) {
  f.only({"down", "slow_ms", "status", "smtp_reply", "first"});
  fakes::SinkFault s;
  int first = f.has("first") ? f.child("first").integer(0, 1000000) : 0;
  if (f.has("down")) s = fakes::SinkFault::down(first);
  else if (f.has("slow_ms")) s = fakes::SinkFault::slow(f.child("slow_ms").integer(0, 600000), first);
  else if (f.has("status")) s = fakes::SinkFault::http_status(f.child("status").integer(400, 599), first);
  else if (f.has("smtp_reply")) {
    auto r = f.child("smtp_reply");
    r.only({"stage", "code"});
    auto stage = fakes::smtp_stage_from_string(r.child("stage").str());
    if (!stage) r.child("stage").fail("unknown SMTP stage");
    s = fakes::SinkFault::smtp_reply(*stage, r.child("code").integer(400, 599), first);
  } else {
    f.fail("expected one of down, slow_ms, status, smtp_reply");
  }
  return s;
}

std::string dump(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

const char* kEventKinds[] = {"request",  "key_state", "fault",        "clear_fault", "sink_fault", "clear_sink_fault",
                             "edit_env", "reload",    "restart",      "health_check", "advance",   "redis",
                             "partition", "heal"};

// `partition: {replica: 2}` / `heal: {replica: 2}`: cluster events naming one replica.
int cluster_event_replica(const YamlField& f, int replicas) {
  if (replicas <= 1) f.fail("needs a cluster (router: {replicas: N} with N from 2 to " + std::to_string(kMaxReplicas) + ")");
  f.require_map();
  f.only({"replica"});
  if (!f.has("replica")) f.fail("missing field 'replica' (which replica, from 1 to " + std::to_string(replicas) + ")");
  return replica_field(f.child("replica"), replicas);
}

void parse_event(const YamlField& f, std::vector<Event>& out, int replicas) {
  f.only({"at", "id", "while", "request", "key_state", "fault", "clear_fault", "sink_fault", "clear_sink_fault",
          "edit_env", "reload", "restart", "health_check", "advance", "redis", "partition", "heal"});
  if (!f.has("at")) f.fail("missing field 'at'");
  Event e;
  e.at = duration(f.child("at"));
  e.line = f.line();
  if (f.has("id")) e.id = f.child("id").str();
  if (f.has("while")) e.while_burst = f.child("while").str();
  int kinds = 0;
  for (const char* k : kEventKinds) kinds += f.has(k) ? 1 : 0;
  if (kinds != 1) f.fail("an event needs exactly one of request, key_state, fault, clear_fault, sink_fault, "
                         "clear_sink_fault, edit_env, reload, restart, health_check, advance, redis, partition, heal");
  if (f.has("request")) {
    e.kind = Event::Kind::request;
    e.request = request(f.child("request"), replicas);
    for (int i = 0; i < e.request.repeat; ++i) {
      Event copy = e;
      copy.at = e.at + e.request.every * i;
      out.push_back(copy);
    }
    return;
  }
  if (f.has("key_state")) {
    auto k = f.child("key_state");
    k.only({"provider", "key", "state", "until", "retry_after", "limit"});
    e.kind = Event::Kind::key_state;
    e.provider = k.child("provider").str();
    e.key = k.child("key").str();
    auto st = fakes::key_state_from_string(k.child("state").str());
    if (!st) k.child("state").fail(std::string("expected one of ") + fakes::key_state_names());
    e.key_state = *st;
    if (k.has("until")) {
      if (k.child("until").str() != "reset") k.child("until").fail("expected 'reset' (the provider's daily reset)");
      if (e.key_state != fakes::KeyState::quota_exhausted)
        k.child("until").fail("until: reset is for state quota_exhausted");
      e.until_reset = true;
    }
    if (k.has("retry_after")) {
      if (e.key_state != fakes::KeyState::rate_limited) k.child("retry_after").fail("retry_after is for state rate_limited");
      auto text = k.child("retry_after").str();
      auto d = parse_go_duration(text);
      if (!d || d->count() <= 0 || d->count() > 86'400'000)
        k.child("retry_after").fail("expected a wait such as 2s, 7.66s or 6m7.2s (at most a day), got '" + text + "'");
      e.retry_after = *d;
    }
    if (k.has("limit")) {
      auto limit = k.child("limit").str();
      if (e.key_state != fakes::KeyState::quota_exhausted) k.child("limit").fail("limit is for state quota_exhausted");
      if (limit != "rpd" && limit != "tpd") k.child("limit").fail("expected rpd (requests per day) or tpd (tokens per day)");
      e.key_variant = limit == "tpd" ? 1 : 0;
    }
  } else if (f.has("fault")) {
    auto k = f.child("fault");
    k.only({"provider", "id", "spec"});
    e.kind = Event::Kind::fault;
    e.provider = k.child("provider").str();
    e.fault_id = k.has("id") ? k.child("id").str() : "";
    e.fault = fakes::parse_fault_yaml(k.child("spec"));
  } else if (f.has("clear_fault")) {
    auto k = f.child("clear_fault");
    k.only({"provider", "id"});
    e.kind = Event::Kind::clear_fault;
    e.provider = k.child("provider").str();
    e.fault_id = k.has("id") ? k.child("id").str() : "";
  } else if (f.has("sink_fault")) {
    auto k = f.child("sink_fault");
    k.only({"sink", "down", "slow_ms", "status", "smtp_reply", "first"});
    e.kind = Event::Kind::sink_fault;
    e.sink = k.child("sink").str();
    YAML::Node rest = YAML::Clone(k.node);
    rest.remove("sink");
    e.sink_fault = sink_fault(YamlField{rest, k.file, k.path});
  } else if (f.has("clear_sink_fault")) {
    e.kind = Event::Kind::clear_sink_fault;
    e.sink = f.child("clear_sink_fault").str();
  } else if (f.has("edit_env")) {
    auto k = f.child("edit_env");
    k.require_map();
    e.kind = Event::Kind::edit_env;
    for (const auto& kv : k.node) {
      auto name = kv.first.as<std::string>();
      if (kv.second.IsNull()) e.env_edits[name] = std::nullopt;
      else e.env_edits[name] = YamlField{kv.second, k.file, k.path + "." + name}.str();
    }
  } else if (f.has("reload")) {
    e.kind = Event::Kind::reload;
  } else if (f.has("restart")) {
    e.kind = Event::Kind::restart;
    auto r = f.child("restart");
    if (r.node.IsMap()) {
      r.only({"validate_on_start", "replica"});
      if (r.has("validate_on_start")) e.validate_on_start = r.child("validate_on_start").boolean();
      if (r.has("replica")) e.replica = replica_field(r.child("replica"), replicas);
    }
  } else if (f.has("health_check")) {
    e.kind = Event::Kind::health_check;
    auto h = f.child("health_check");
    if (h.node.IsMap()) {
      h.only({"replica"});
      if (h.has("replica")) e.replica = replica_field(h.child("replica"), replicas);
    }
  } else if (f.has("redis")) {
    auto r = f.child("redis");
    if (replicas <= 1)
      r.fail("needs a cluster (router: {replicas: N} with N from 2 to " + std::to_string(kMaxReplicas) + ")");
    r.require_map();
    r.only({"down"});
    if (!r.has("down")) r.fail("missing field 'down' (true: stop the cluster's redis-server; false: start it again)");
    e.kind = Event::Kind::redis;
    e.redis_down = r.child("down").boolean();
  } else if (f.has("partition")) {
    e.kind = Event::Kind::partition;
    e.replica = cluster_event_replica(f.child("partition"), replicas);
  } else if (f.has("heal")) {
    e.kind = Event::Kind::heal;
    e.replica = cluster_event_replica(f.child("heal"), replicas);
  } else {
    e.kind = Event::Kind::advance;
  }
  bool sink_event = e.kind == Event::Kind::sink_fault || e.kind == Event::Kind::clear_sink_fault;
  if (sink_event && e.sink != "smtp" && e.sink != "telegram" && e.sink != "webhook")
    f.fail("sink must be smtp, telegram or webhook, got '" + e.sink + "'");
  out.push_back(e);
}

// `empty: allowed`: this expectation's window may be one that can contain nothing.
bool empty_allowed(const YamlField& f) {
  if (f.str() != "allowed") f.fail("expected 'allowed' (the only value: this window may be empty)");
  return true;
}

Expectation parse_expectation(const YamlField& f, int replicas) {
  f.require_map();
  if (f.node.size() < 1) f.fail("empty expectation");
  Expectation x;
  x.line = f.line();
  x.source = dump(f.node);
  // The first key names the kind; `within_wall` may sit beside `response`.
  std::string kind;
  for (const auto& kv : f.node) {
    auto k = kv.first.as<std::string>();
    if (k != "within_wall") {
      if (!kind.empty()) f.fail("an expectation has one kind, found '" + kind + "' and '" + k + "'");
      kind = k;
    }
  }
  f.only({"response", "provider_calls", "alerts", "status", "log", "incident", "metrics", "invariant", "within_wall"});
  auto b = f.child(kind);
  if (f.has("within_wall")) x.within_wall = duration(f.child("within_wall"));
  if (kind == "response") {
    x.kind = Expectation::Kind::response;
    b.only({"of", "index", "status", "json", "source", "body"});
    x.of = b.child("of").str();
    if (b.has("index")) x.index = b.child("index").integer(0, 100000);
    if (b.has("status")) x.status = b.child("status").integer(100, 599);
    if (b.has("source")) x.source_is = b.child("source").str();
    if (b.has("body")) x.body = matcher(b.child("body"), true);
    if (b.has("json")) {
      b.child("json").require_map();
      for (const auto& kv : b.node["json"]) x.json[kv.first.as<std::string>()] = kv.second;
    }
  } else if (kind == "provider_calls") {
    x.kind = Expectation::Kind::provider_calls;
    b.only({"during", "per_key", "total", "spread", "empty"});
    if (b.has("empty")) x.empty_allowed = empty_allowed(b.child("empty"));
    if (b.has("during")) x.during = window(b.child("during"));
    if (b.has("total")) x.total = count(b.child("total"), 10000000);
    if (b.has("spread")) x.spread = spread(b.child("spread"));
    if (b.has("per_key")) {
      auto pk = b.child("per_key");
      pk.require_map();
      for (const auto& kv : pk.node) {
        auto name = kv.first.as<std::string>();
        auto list = pk.child(name);
        list.require_sequence();
        for (size_t i = 0; i < list.node.size(); ++i) x.per_key[name].push_back(count(list.at(i), 10000000));
      }
    }
    if (!x.total && x.per_key.empty() && !x.spread) b.fail("provider_calls needs total, per_key or spread");
  } else if (kind == "alerts") {
    x.kind = Expectation::Kind::alerts;
    b.only({"channel", "subject", "text", "body", "count", "within", "empty", "replica"});
    if (b.has("empty")) x.empty_allowed = empty_allowed(b.child("empty"));
    x.channel = b.child("channel").str();
    if (x.channel != "email" && x.channel != "telegram" && x.channel != "webhook")
      b.child("channel").fail("expected email, telegram or webhook");
    if (b.has("subject")) x.subject = matcher(b.child("subject"), false);
    if (b.has("text")) x.text = matcher(b.child("text"), true);
    if (b.has("body")) x.text = matcher(b.child("body"), true);
    if (b.has("count")) x.count = count(b.child("count"), 100000);
    if (b.has("within")) x.within = window(b.child("within"));
  } else if (kind == "status") {
    x.kind = Expectation::Kind::status;
    b.only({"at", "json", "body", "replica"});
    if (b.has("at")) x.at = duration(b.child("at"));
    if (b.has("json")) {
      b.child("json").require_map();
      for (const auto& kv : b.node["json"]) x.json[kv.first.as<std::string>()] = kv.second;
    }
    if (b.has("body")) x.body = matcher(b.child("body"), true);
  } else if (kind == "log") {
    x.kind = Expectation::Kind::log;
    b.only({"after", "contains", "absent", "count", "replica"});
    if (b.has("after")) x.after = b.child("after").str();
    if (b.has("contains")) x.body.contains = strings(b.child("contains"));
    if (b.has("absent")) x.body.absent = strings(b.child("absent"));
    if (b.has("count")) x.count = count(b.child("count"), 10000000);
  } else if (kind == "incident") {
    x.kind = Expectation::Kind::incident;
    b.only({"state", "downtime_min", "downtime_max", "at", "replica"});
    if (b.has("state")) x.state = b.child("state").str();
    if (b.has("at")) x.at = duration(b.child("at"));
    if (b.has("downtime_min")) x.downtime_min = duration(b.child("downtime_min"));
    if (b.has("downtime_max")) x.downtime_max = duration(b.child("downtime_max"));
  } else if (kind == "invariant") {
    x.kind = Expectation::Kind::invariant;
    x.invariant = b.str();
    if (!find_checker(x.invariant))
      b.fail("unknown invariant '" + x.invariant + "' (expected " + checker_names() + ")");
  } else if (kind == "metrics") {
    x.kind = Expectation::Kind::metrics;
    b.require_map();
    for (const auto& kv : b.node) {
      auto name = kv.first.as<std::string>();
      x.metric_equals[name] = b.child(name).as<double>("a number");
    }
  }
  // Alerts, status, log and incident may judge one replica of a cluster.
  if (b.node.IsMap() && b.has("replica") && kind != "metrics") x.replica = replica_field(b.child("replica"), replicas);
  return x;
}


// Events that change the world or the .env but send nothing themselves: a
// window of just one of them can contain no call and no alert.
bool has_no_effect_of_its_own(Event::Kind k) {
  switch (k) {
    case Event::Kind::key_state:
    case Event::Kind::fault:
    case Event::Kind::clear_fault:
    case Event::Kind::sink_fault:
    case Event::Kind::clear_sink_fault:
    case Event::Kind::edit_env:
    case Event::Kind::advance:
    case Event::Kind::redis:
    case Event::Kind::partition:
    case Event::Kind::heal: return true;
    default: return false;
  }
}

// Every id an expectation names must be an event of the timeline (a typo
// must not silently become offset 0), and every window must be able to
// contain something unless the expectation says `empty: allowed`.
void check_expectation_ids(const Scenario& s, const YamlField& expect) {
  std::vector<std::string> ids;
  for (const auto& e : s.timeline)
    if (!e.id.empty() && std::find(ids.begin(), ids.end(), e.id) == ids.end()) ids.push_back(e.id);
  auto known = [&](const std::string& id) { return std::find(ids.begin(), ids.end(), id) != ids.end(); };
  auto require_event = [&](const YamlField& f, const std::string& id) {
    if (!known(id)) f.fail("no event '" + id + "'" + did_you_mean(id, ids));
  };
  // A window bound: an event id, an offset ("20s") or, for `to`, "+1s".
  auto require_bound = [&](const YamlField& f, const std::string& ref, bool relative_ok) {
    Millis d;
    if (ref[0] == '+') {
      if (!relative_ok) f.fail("a window starts at an event id or an offset, not '" + ref + "'");
      if (!parse_duration(ref.substr(1), &d)) f.fail("expected an offset such as +1s, got '" + ref + "'");
      return;
    }
    if (known(ref) || parse_duration(ref, &d)) return;
    require_event(f, ref);
  };
  for (size_t i = 0; i < s.expectations.size(); ++i) {
    const auto& x = s.expectations[i];
    YamlField xf = expect.at(i);
    if (!x.of.empty()) require_event(xf.child("response").child("of"), x.of);
    if (!x.after.empty()) require_event(xf.child("log").child("after"), x.after);
    const Window* w = nullptr;
    YamlField wf = xf;
    if (x.kind == Expectation::Kind::provider_calls && !x.during.empty()) {
      w = &x.during;
      wf = xf.child("provider_calls").child("during");
    } else if (x.kind == Expectation::Kind::alerts && !x.within.empty()) {
      w = &x.within;
      wf = xf.child("alerts").child("within");
    }
    if (!w) continue;
    require_bound(wf.at(0), w->from, false);
    if (!w->to.empty()) require_bound(wf.at(1), w->to, true);
    if (x.empty_allowed) continue;
    // Windows that can contain nothing.
    Millis from{0}, to{0};
    resolve_time(s, w->from, Millis(0), &from);
    if (!w->to.empty()) {
      resolve_time(s, w->to, from, &to);
      if (to < from)
        wf.fail("the window [" + w->from + ", " + w->to + "] ends before it begins, so it can contain nothing "
                "(say `empty: allowed` if that is meant)");
    } else if (known(w->from)) {
      bool effect = std::any_of(s.timeline.begin(), s.timeline.end(), [&](const Event& e) {
        return e.id == w->from && !has_no_effect_of_its_own(e.kind);
      });
      if (!effect)
        wf.fail("event '" + w->from + "' sends nothing itself, so the window [" + w->from +
                "] can contain nothing (use a range such as [" + w->from + ", +1s], or say `empty: allowed`)");
    } else {
      bool event_then = std::any_of(s.timeline.begin(), s.timeline.end(), [&](const Event& e) { return e.at == from; });
      if (!event_then)
        wf.fail("no event happens at " + w->from + ", so the window [" + w->from +
                "] can contain nothing (use a range, or say `empty: allowed`)");
    }
    if (from > s.end_at)
      wf.fail("the window starts at " + w->from + ", after the last event (" + human_duration(s.end_at) +
              "), so it can contain nothing (say `empty: allowed` if that is meant)");
  }
}

// `while: ID` names a burst (a request with concurrent > 1) at the same
// offset, and is an event a burst can be interrupted by.
void check_while(Scenario& s, const YamlField& timeline) {
  std::vector<std::string> bursts;
  for (const auto& e : s.timeline)
    if (e.kind == Event::Kind::request && e.request.concurrent > 1 && !e.id.empty()) bursts.push_back(e.id);
  for (size_t i = 0; i < timeline.node.size(); ++i) {
    YamlField ev = timeline.at(i);
    if (!ev.has("while")) continue;
    YamlField w = ev.child("while");
    std::string id = w.str();
    if (std::find(bursts.begin(), bursts.end(), id) == bursts.end())
      w.fail("no burst '" + id + "' (a request with an id and concurrent > 1)" + did_you_mean(id, bursts));
    if (ev.has("request") || ev.has("restart") || ev.has("health_check") || ev.has("advance") || ev.has("redis") ||
        ev.has("partition") || ev.has("heal"))
      ev.fail("only key_state, fault, clear_fault, sink_fault, clear_sink_fault, edit_env and reload can land while a burst runs");
  }
  // Same offset as the burst: otherwise it could not be in flight then.
  for (size_t i = 0; i < s.timeline.size(); ++i) {
    const Event& e = s.timeline[i];
    if (e.while_burst.empty()) continue;
    size_t j = i;
    while (j > 0 && s.timeline[j - 1].at == e.at && !(s.timeline[j - 1].kind == Event::Kind::request &&
                                                       s.timeline[j - 1].id == e.while_burst))
      --j;
    bool found = j > 0 && s.timeline[j - 1].at == e.at && s.timeline[j - 1].id == e.while_burst;
    // Between the burst and this event only other events `while` it.
    for (size_t k = j; found && k < i; ++k) found = s.timeline[k].while_burst == e.while_burst;
    if (!found)
      timeline.fail("the event at line " + std::to_string(e.line) + " runs while '" + e.while_burst +
                    "', so it needs the burst's offset (an event `while` a burst is at the same `at`)");
  }
}

}  // namespace

Scenario parse_scenario(const std::string& yaml_text, const std::string& file) {
  YAML::Node doc = parse_yaml(yaml_text, file);
  check_yaml_shape(doc, file);  // before any field is read: key types, depth, alias bombs
  YamlField root{doc, file, ""};
  root.only({"name", "description", "seed", "start_at", "world", "router", "timeline", "expect", "checkers",
             "expected_failure"});
  Scenario s;
  s.file = file;
  if (!root.has("name")) root.fail("missing field 'name'");
  s.name = root.child("name").str();
  if (root.has("description")) s.description = root.child("description").str();
  if (root.has("expected_failure")) {
    s.expected_failure = root.child("expected_failure").str();
    if (s.expected_failure.size() < 10)
      root.child("expected_failure").fail("say precisely why it fails (which router behaviour, which issue)");
  }
  if (root.has("seed")) s.seed = root.child("seed").as<uint64_t>("a non-negative integer");
  s.start_at = WallTime(Millis(1'763'452'800'000));  // 2025-11-18T08:00:00Z
  if (root.has("start_at")) {
    auto f = root.child("start_at");
    if (!parse_iso8601(f.str(), &s.start_at)) f.fail("expected an ISO-8601 UTC time such as 2025-11-18T08:00:00Z");
  }
  if (!root.has("world")) root.fail("missing field 'world'");
  {
    // The world's seed follows the scenario's unless the world sets its own.
    YamlField world = root.child("world");
    s.world = fakes::parse_world(world);
    if (!world.has("seed")) {
      s.world.seed = s.seed;
      for (size_t i = 0; i < s.world.providers.size(); ++i) {
        auto& p = s.world.providers[i];
        if (!world.node["providers"][i]["seed"]) p.seed = Random::derive(s.seed, p.name);
      }
    }
  }
  if (root.has("router")) {
    auto r = root.child("router");
    r.only({"env", "config", "validate_on_start", "reminder_interval", "replicas"});
    if (r.has("replicas")) s.replicas = static_cast<int>(r.child("replicas").integer(1, kMaxReplicas));
    if (r.has("env")) s.env = r.child("env").str();
    if (r.has("config")) {
      r.child("config").require_map();
      YAML::Emitter e;
      e << r.node["config"];
      s.config_yaml = e.c_str();
      // Validate now, so that errors name the scenario file's lines.
      load_config_node(r.node["config"], file, "router.config");
    }
    if (r.has("validate_on_start")) s.validate_on_start = r.child("validate_on_start").boolean();
    if (r.has("reminder_interval")) s.reminder_interval = duration(r.child("reminder_interval"));
  }
  if (root.has("timeline")) {
    auto t = root.child("timeline");
    t.require_sequence();
    for (size_t i = 0; i < t.node.size(); ++i) {
      parse_event(t.at(i), s.timeline, s.replicas);
      // repeat is bounded per event; this bounds the whole expanded timeline.
      if (s.timeline.size() > kMaxTimelineEvents)
        t.at(i).fail("the timeline expands to more than " + std::to_string(kMaxTimelineEvents) + " events");
    }
    // clear_fault names a fault of the same provider by its id.
    for (size_t i = 0; i < t.node.size(); ++i) {
      YamlField ev = t.at(i);
      if (!ev.has("clear_fault") || !ev.child("clear_fault").has("id")) continue;
      auto cf = ev.child("clear_fault");
      std::string provider = cf.child("provider").str(), id = cf.child("id").str();
      std::vector<std::string> fault_ids;
      for (const auto& e : s.timeline)
        if (e.kind == Event::Kind::fault && e.provider == provider && !e.fault_id.empty()) fault_ids.push_back(e.fault_id);
      if (std::find(fault_ids.begin(), fault_ids.end(), id) == fault_ids.end())
        cf.child("id").fail("no fault '" + id + "' on " + provider + did_you_mean(id, fault_ids));
    }
  }
  if (root.has("expect")) {
    auto x = root.child("expect");
    x.require_sequence();
    for (size_t i = 0; i < x.node.size(); ++i) s.expectations.push_back(parse_expectation(x.at(i), s.replicas));
  }
  if (root.has("checkers")) s.checker_opt_outs = parse_checker_opt_outs(root.child("checkers"), s.expectations);
  // A status or incident expectation `at` a time needs a snapshot then.
  for (const auto& x : s.expectations) {
    if (x.at) {
      Event e;
      e.kind = Event::Kind::advance;
      e.at = *x.at;
      e.line = x.line;
      e.synthetic = true;
      s.timeline.push_back(e);
    }
  }
  // A `while: storm` event runs right after its burst: same offset, later
  // in the file (bursts first, then what lands during them).
  std::stable_sort(s.timeline.begin(), s.timeline.end(), [](const Event& a, const Event& b) {
    return a.at != b.at ? a.at < b.at : a.while_burst.empty() && !b.while_burst.empty();
  });
  if (root.has("timeline")) check_while(s, root.child("timeline"));
  s.end_at = s.timeline.empty() ? Millis(0) : s.timeline.back().at;
  if (root.has("expect")) check_expectation_ids(s, root.child("expect"));
  return s;
}

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SchemaError(path, 0, "(file)", "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), path);
}

bool resolve_time(const Scenario& s, const std::string& ref, Millis base, Millis* out) {
  if (ref.empty()) return false;
  if (ref[0] == '+') {
    Millis d;
    if (!parse_duration(ref.substr(1), &d)) return false;
    *out = base + d;
    return true;
  }
  for (const auto& e : s.timeline) {
    if (e.id == ref) {
      *out = e.at;
      return true;
    }
  }
  return parse_duration(ref, out);
}

}  // namespace keyward::scenarios
