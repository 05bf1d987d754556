// Strict scenario loading: unknown fields, wrong types and negative times are
// errors that name file:line and the field's path.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/yaml_reader.h"
#include "fakes/key_state.h"
#include "router/core/config.h"
#include "scenarios/invariants.h"
#include "scenarios/scenario.h"

namespace keyward::scenarios {

namespace {

constexpr size_t kMaxTimelineEvents = 100'000;

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

Window window(const YamlField& f) {
  if (!f.node.IsSequence() || f.node.size() < 1 || f.node.size() > 2)
    f.fail("expected [from, to] with event ids or offsets (e.g. [first, +1s])");
  Window w;
  w.from = f.at(0).str();
  if (f.node.size() == 2) w.to = f.at(1).str();
  return w;
}

RequestSpec request(const YamlField& f) {
  f.only({"api", "message", "stream", "repeat", "every"});
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

const char* kEventKinds[] = {"request", "key_state", "fault", "clear_fault", "sink_fault",
                             "clear_sink_fault", "edit_env", "reload", "restart", "health_check", "advance"};

void parse_event(const YamlField& f, std::vector<Event>& out) {
  f.only({"at", "id", "request", "key_state", "fault", "clear_fault", "sink_fault", "clear_sink_fault",
          "edit_env", "reload", "restart", "health_check", "advance"});
  if (!f.has("at")) f.fail("missing field 'at'");
  Event e;
  e.at = duration(f.child("at"));
  e.line = f.line();
  if (f.has("id")) e.id = f.child("id").str();
  int kinds = 0;
  for (const char* k : kEventKinds) kinds += f.has(k) ? 1 : 0;
  if (kinds != 1) f.fail("an event needs exactly one of request, key_state, fault, clear_fault, sink_fault, "
                         "clear_sink_fault, edit_env, reload, restart, health_check, advance");
  if (f.has("request")) {
    e.kind = Event::Kind::request;
    e.request = request(f.child("request"));
    for (int i = 0; i < e.request.repeat; ++i) {
      Event copy = e;
      copy.at = e.at + e.request.every * i;
      out.push_back(copy);
    }
    return;
  }
  if (f.has("key_state")) {
    auto k = f.child("key_state");
    k.only({"provider", "key", "state"});
    e.kind = Event::Kind::key_state;
    e.provider = k.child("provider").str();
    e.key = k.child("key").str();
    auto st = fakes::key_state_from_string(k.child("state").str());
    if (!st) k.child("state").fail(std::string("expected one of ") + fakes::key_state_names());
    e.key_state = *st;
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
      r.only({"validate_on_start"});
      if (r.has("validate_on_start")) e.validate_on_start = r.child("validate_on_start").boolean();
    }
  } else if (f.has("health_check")) {
    e.kind = Event::Kind::health_check;
  } else {
    e.kind = Event::Kind::advance;
  }
  bool sink_event = e.kind == Event::Kind::sink_fault || e.kind == Event::Kind::clear_sink_fault;
  if (sink_event && e.sink != "smtp" && e.sink != "telegram" && e.sink != "webhook")
    f.fail("sink must be smtp, telegram or webhook, got '" + e.sink + "'");
  out.push_back(e);
}

Expectation parse_expectation(const YamlField& f) {
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
    b.only({"during", "per_key", "total"});
    if (b.has("during")) x.during = window(b.child("during"));
    if (b.has("total")) x.total = b.child("total").integer(0, 10000000);
    if (b.has("per_key")) {
      auto pk = b.child("per_key");
      pk.require_map();
      for (const auto& kv : pk.node) {
        auto name = kv.first.as<std::string>();
        auto list = pk.child(name);
        list.require_sequence();
        for (size_t i = 0; i < list.node.size(); ++i) x.per_key[name].push_back(list.at(i).integer(0, 10000000));
      }
    }
    if (!x.total && x.per_key.empty()) b.fail("provider_calls needs total or per_key");
  } else if (kind == "alerts") {
    x.kind = Expectation::Kind::alerts;
    b.only({"channel", "subject", "text", "body", "count", "within"});
    x.channel = b.child("channel").str();
    if (x.channel != "email" && x.channel != "telegram" && x.channel != "webhook")
      b.child("channel").fail("expected email, telegram or webhook");
    if (b.has("subject")) x.subject = matcher(b.child("subject"), false);
    if (b.has("text")) x.text = matcher(b.child("text"), true);
    if (b.has("body")) x.text = matcher(b.child("body"), true);
    if (b.has("count")) x.count = b.child("count").integer(0, 100000);
    if (b.has("within")) x.within = window(b.child("within"));
  } else if (kind == "status") {
    x.kind = Expectation::Kind::status;
    b.only({"at", "json", "body"});
    if (b.has("at")) x.at = duration(b.child("at"));
    if (b.has("json")) {
      b.child("json").require_map();
      for (const auto& kv : b.node["json"]) x.json[kv.first.as<std::string>()] = kv.second;
    }
    if (b.has("body")) x.body = matcher(b.child("body"), true);
  } else if (kind == "log") {
    x.kind = Expectation::Kind::log;
    b.only({"after", "contains", "absent", "count"});
    if (b.has("after")) x.after = b.child("after").str();
    if (b.has("contains")) x.body.contains = strings(b.child("contains"));
    if (b.has("absent")) x.body.absent = strings(b.child("absent"));
    if (b.has("count")) x.count = b.child("count").integer(0, 10000000);
  } else if (kind == "incident") {
    x.kind = Expectation::Kind::incident;
    b.only({"state", "downtime_min", "downtime_max", "at"});
    if (b.has("state")) x.state = b.child("state").str();
    if (b.has("at")) x.at = duration(b.child("at"));
    if (b.has("downtime_min")) x.downtime_min = duration(b.child("downtime_min"));
    if (b.has("downtime_max")) x.downtime_max = duration(b.child("downtime_max"));
  } else if (kind == "invariant") {
    x.kind = Expectation::Kind::invariant;
    x.invariant = b.str();
    if (!is_invariant_name(x.invariant))
      b.fail("unknown invariant '" + x.invariant + "' (expected " + invariant_names() + ")");
  } else if (kind == "metrics") {
    x.kind = Expectation::Kind::metrics;
    b.require_map();
    for (const auto& kv : b.node) {
      auto name = kv.first.as<std::string>();
      x.metric_equals[name] = b.child(name).as<double>("a number");
    }
  }
  return x;
}

}  // namespace

Scenario parse_scenario(const std::string& yaml_text, const std::string& file) {
  YAML::Node doc = parse_yaml(yaml_text, file);
  check_yaml_shape(doc, file);  // before any field is read: key types, depth, alias bombs
  YamlField root{doc, file, ""};
  root.only({"name", "description", "seed", "start_at", "world", "router", "timeline", "expect"});
  Scenario s;
  s.file = file;
  if (!root.has("name")) root.fail("missing field 'name'");
  s.name = root.child("name").str();
  if (root.has("description")) s.description = root.child("description").str();
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
    r.only({"env", "config", "validate_on_start", "reminder_interval"});
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
      parse_event(t.at(i), s.timeline);
      // repeat is bounded per event; this bounds the whole expanded timeline.
      if (s.timeline.size() > kMaxTimelineEvents)
        t.at(i).fail("the timeline expands to more than " + std::to_string(kMaxTimelineEvents) + " events");
    }
  }
  if (root.has("expect")) {
    auto x = root.child("expect");
    x.require_sequence();
    for (size_t i = 0; i < x.node.size(); ++i) s.expectations.push_back(parse_expectation(x.at(i)));
  }
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
  std::stable_sort(s.timeline.begin(), s.timeline.end(), [](const Event& a, const Event& b) { return a.at < b.at; });
  // Every event id an expectation names must exist.
  auto known = [&](const std::string& id) {
    return std::any_of(s.timeline.begin(), s.timeline.end(), [&](const Event& e) { return e.id == id; });
  };
  for (size_t i = 0; i < s.expectations.size(); ++i) {
    const auto& x = s.expectations[i];
    YamlField xf = root.child("expect").at(i);
    if (!x.of.empty() && !known(x.of)) xf.fail("no timeline event has id '" + x.of + "'");
    if (!x.after.empty() && !known(x.after)) xf.fail("no timeline event has id '" + x.after + "'");
  }
  s.end_at = s.timeline.empty() ? Millis(0) : s.timeline.back().at;
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
