#include "fakes/world.h"

#include "base/durations.h"

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "base/random.h"

namespace keyward::fakes {

namespace {

std::uint64_t unsigned_field(const YamlField& f, std::uint64_t max) {
  if (!f.node.IsScalar()) f.fail("expected a non-negative integer");
  auto v = f.as<long long>("a non-negative integer");
  if (v < 0) f.fail("expected a non-negative integer");
  if (static_cast<std::uint64_t>(v) > max) f.fail("must be at most " + std::to_string(max));
  return static_cast<std::uint64_t>(v);
}

KeyState state_field(const YamlField& f) {
  auto s = key_state_from_string(f.str());
  if (!s) f.fail("unknown key state '" + f.str() + "' (expected " + key_state_names() + ")");
  return *s;
}

void parse_listen(const YamlField& f, std::string& host, int& port) {
  std::string text = f.str();
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) f.fail("expected host:port, e.g. 127.0.0.1:0");
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(p) > 65535) {
    f.fail("port must be a number between 0 and 65535");
  }
  port = std::stoi(p);
}

// YAML → JSON for the fault parser shared with the control API. Quoted
// scalars stay strings; plain ones become bools, numbers or null when they
// read as such.
nlohmann::json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.as<std::string>()] = to_json(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& v : n) j.push_back(to_json(v));
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted
      if (s == "true" || s == "True") return true;
      if (s == "false" || s == "False") return false;
      if (s == "null" || s == "~") return nullptr;
      auto j = nlohmann::json::parse(s, nullptr, false);
      if (!j.is_discarded() && j.is_number()) return j;
      return s;
    }
    default:
      return nullptr;
  }
}

ProviderOptions parse_provider(const YamlField& f, std::uint64_t world_seed) {
  f.only({"name", "kind", "listen", "tls", "model", "latency_ms", "default_key_state", "keys",
          "limits", "faults", "error_variant", "rate_limited_retry_s", "rate_limited_retry", "seed", "max_threads",
          "keep_alive_timeout_s", "journal_limit", "max_body_bytes"});
  ProviderOptions o;
  if (!f.has("kind")) f.fail("missing field 'kind' (" + std::string(provider_kind_names()) + ")");
  YamlField kind = f.child("kind");
  auto k = provider_kind_from_string(kind.str());
  if (!k)
    kind.fail("unknown provider kind '" + kind.str() + "' (expected " + provider_kind_names() +
              ")");
  o.kind = *k;
  o.name = f.has("name") ? f.child("name").str() : to_string(o.kind);
  if (o.name.empty()) f.child("name").fail("must not be empty");
  if (f.has("listen")) parse_listen(f.child("listen"), o.host, o.port);
  if (f.has("tls")) o.tls = f.child("tls").boolean();
  if (f.has("model")) o.model = f.child("model").str();
  if (f.has("latency_ms"))
    o.latency_ms = static_cast<std::uint32_t>(unsigned_field(f.child("latency_ms"), 3'600'000));
  if (f.has("default_key_state")) o.default_key_state = state_field(f.child("default_key_state"));
  if (f.has("keys")) {
    YamlField keys = f.child("keys");
    if (!keys.node.IsNull()) {
      keys.require_map();
      for (const auto& kv : keys.node) {
        std::string key = kv.first.as<std::string>();
        YamlField kf{kv.second, keys.file, keys.path + "." + key};
        if (key.empty()) kf.fail("empty key");
        KeySpec spec;
        if (kf.node.IsMap()) {
          kf.only({"state", "variant"});
          if (!kf.has("state")) kf.fail("missing field 'state'");
          spec.state = state_field(kf.child("state"));
          if (kf.has("variant"))
            spec.variant = static_cast<int>(unsigned_field(kf.child("variant"), 1));
        } else {
          spec.state = state_field(kf);
        }
        o.keys[key] = spec;
      }
    }
  }
  if (f.has("limits")) {
    YamlField lim = f.child("limits");
    lim.only({"requests_per_minute", "requests_per_day"});
    if (lim.has("requests_per_minute"))
      o.limits.requests_per_minute =
          static_cast<std::uint32_t>(unsigned_field(lim.child("requests_per_minute"), 1'000'000));
    if (lim.has("requests_per_day"))
      o.limits.requests_per_day =
          static_cast<std::uint32_t>(unsigned_field(lim.child("requests_per_day"), 100'000'000));
  }
  if (f.has("faults")) {
    YamlField faults = f.child("faults");
    if (!faults.node.IsNull()) {
      faults.require_sequence();
      for (std::size_t i = 0; i < faults.node.size(); ++i)
        o.faults.push_back(parse_fault_yaml(faults.at(i)));
    }
  }
  if (f.has("error_variant"))
    o.error_variant = static_cast<int>(unsigned_field(f.child("error_variant"), 1));
  if (f.has("rate_limited_retry_s"))
    o.rate_limited_retry_s =
        static_cast<std::uint32_t>(unsigned_field(f.child("rate_limited_retry_s"), 86'400));
  if (f.has("rate_limited_retry")) {
    // A Go-style wait with fractions, as Groq quotes it: 6m7.2s, 7.66s.
    auto text = f.child("rate_limited_retry").str();
    auto d = parse_go_duration(text);
    if (!d || d->count() <= 0 || d->count() > 86'400'000)
      f.child("rate_limited_retry").fail("expected a wait such as 2s, 7.66s or 6m7.2s (at most a day), got '" + text + "'");
    o.rate_limited_retry = *d;
  }
  o.seed = f.has("seed") ? unsigned_field(f.child("seed"), UINT64_MAX >> 1)
                         : Random::derive(world_seed, o.name);
  if (f.has("max_threads")) {
    o.max_threads = static_cast<std::uint32_t>(unsigned_field(f.child("max_threads"), 1024));
    if (o.max_threads == 0) f.child("max_threads").fail("must be at least 1");
  }
  if (f.has("keep_alive_timeout_s"))
    o.keep_alive_timeout_s =
        static_cast<std::uint32_t>(unsigned_field(f.child("keep_alive_timeout_s"), 3600));
  if (f.has("journal_limit")) {
    o.journal_limit = unsigned_field(f.child("journal_limit"), 10'000'000);
    if (o.journal_limit == 0) f.child("journal_limit").fail("must be at least 1");
  }
  if (f.has("max_body_bytes"))
    o.max_body_bytes = unsigned_field(f.child("max_body_bytes"), 1ull << 30);
  return o;
}

}  // namespace

FaultSpec parse_fault_yaml(const YamlField& f) {
  f.require_map();
  try {
    return parse_fault(to_json(f.node));
  } catch (const FaultSpecError& e) {
    if (!e.field().empty() && f.has(e.field())) f.child(e.field()).fail(e.message());
    if (!e.field().empty()) {
      // An unknown field: point at its key.
      for (const auto& kv : f.node) {
        if (kv.first.as<std::string>() == e.field()) {
          YamlField{kv.first, f.file, f.path + "." + e.field()}.fail(e.message());
        }
      }
      YamlField{f.node, f.file, f.path + "." + e.field()}.fail(e.message());
    }
    f.fail(e.message());
  }
}

WorldOptions parse_world(const YamlField& world) {
  world.only({"seed", "providers", "sinks"});
  WorldOptions w;
  if (world.has("seed")) w.seed = unsigned_field(world.child("seed"), UINT64_MAX >> 1);
  if (world.has("providers")) {
    YamlField ps = world.child("providers");
    if (!ps.node.IsNull()) {
      ps.require_sequence();
      std::set<std::string> names;
      for (std::size_t i = 0; i < ps.node.size(); ++i) {
        YamlField pf = ps.at(i);
        pf.require_map();
        auto opts = parse_provider(pf, w.seed);
        if (!names.insert(opts.name).second) {
          (pf.has("name") ? pf.child("name") : pf)
              .fail("duplicate provider name '" + opts.name + "'");
        }
        w.providers.push_back(std::move(opts));
      }
    }
  }
  if (world.has("sinks")) w.sinks = parse_sinks(world.child("sinks"));
  return w;
}

WorldOptions load_world_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SchemaError(path, 0, "(file)", "cannot read the file");
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root = parse_yaml(text.str(), path);
  check_yaml_shape(root, path);
  YamlField f{root, path, ""};
  if (!root.IsMap()) f.fail("a world file must be a mapping (seed, providers, sinks)");
  return parse_world(f);
}

World::World(WorldOptions options, const Clock& clock, ClockControl control)
    : options_(std::move(options)), clock_(clock), control_(std::move(control)) {
  for (const auto& p : options_.providers) {
    providers_.push_back(std::make_unique<FakeProvider>(p, clock_, control_));
  }
  const auto& s = options_.sinks;
  if (s.smtp || s.telegram || s.webhook) {
    sinks_ = std::make_unique<SinkFleet>(s, clock_, Random::derive(options_.seed, "sinks"));
  }
}

World::~World() { stop(); }

void World::start() {
  if (started_) return;
  started_ = true;
  try {
    for (auto& p : providers_) p->start();
    if (sinks_) sinks_->start();
  } catch (...) {
    stop();
    throw;
  }
}

void World::stop() {
  if (!started_) return;
  // Each stop is prompt (hangs are woken, idle connections shut down).
  for (auto& p : providers_) p->stop();
  if (sinks_) sinks_->stop();
  started_ = false;
}

std::vector<Listener> World::listeners() const {
  std::vector<Listener> out;
  for (const auto& p : providers_) out.push_back({p->name(), p->base_url()});
  if (sinks_) {
    for (auto& [name, url] : sinks_->listeners()) out.push_back({name, url});
  }
  return out;
}

void World::reset() {
  for (auto& p : providers_) p->reset();
  if (sinks_) {
    if (auto* s = sinks_->smtp()) s->clear();
    if (auto* s = sinks_->telegram()) s->clear();
    if (auto* s = sinks_->webhook()) s->clear();
  }
}

FakeProvider* World::provider(const std::string& name) {
  for (auto& p : providers_)
    if (p->name() == name) return p.get();
  return nullptr;
}

std::vector<FakeProvider*> World::providers() {
  std::vector<FakeProvider*> out;
  for (auto& p : providers_) out.push_back(p.get());
  return out;
}

SinkFleet* World::sinks() { return sinks_.get(); }

}  // namespace keyward::fakes
