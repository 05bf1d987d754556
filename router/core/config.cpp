#include "router/core/config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "base/key_mask.h"
#include "base/yaml_reader.h"

namespace keyward {

const char* to_string(WireKind k) { return k == WireKind::gemini ? "gemini" : "openai"; }

std::string KeyConfig::masked() const { return mask_key(secret); }

std::string Diagnostic::to_string() const {
  return line > 0 ? source + ":" + std::to_string(line) + ": " + message : source + ": " + message;
}

const ProviderConfig* RouterConfig::find(const std::string& name) const {
  for (const auto& p : providers)
    if (p.name == name) return &p;
  return nullptr;
}

size_t RouterConfig::key_count() const {
  size_t n = 0;
  for (const auto& p : providers) n += p.keys.size();
  return n;
}

RouterConfig default_config() {
  RouterConfig c;
  c.providers = {
      {"groq", "Groq", WireKind::openai, "https://api.groq.com/openai/v1", "llama-3.3-70b-versatile",
       "https://console.groq.com/keys", "GROQ", 1, true, {}},
      {"gemini", "Gemini", WireKind::gemini, "https://generativelanguage.googleapis.com/v1beta",
       "gemini-1.5-flash", "https://aistudio.google.com/app/apikey", "GEMINI", 2, true, {}},
      {"mistral", "Mistral", WireKind::openai, "https://api.mistral.ai/v1", "mistral-small-latest",
       "https://console.mistral.ai/api-keys", "MISTRAL", 3, true, {}},
  };
  return c;
}

namespace {

void read_provider(const YamlField& n, RouterConfig& cfg, int position) {
  ProviderConfig p;
  std::string name;
  n.require_map();
  if (!n.has("name")) n.fail("missing field 'name'");
  name = n.child("name").str();
  const RouterConfig builtins = default_config();
  if (const auto* builtin = builtins.find(name)) {
    p = *builtin;
  } else {
    p.name = name;
    p.display_name = name;
    if (!name.empty()) p.display_name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    p.env_prefix = name;
    std::transform(p.env_prefix.begin(), p.env_prefix.end(), p.env_prefix.begin(),
                   [](unsigned char c) { return c == '-' ? '_' : static_cast<char>(std::toupper(c)); });
  }
  p.priority = position;
  n.each_field({"name", "display_name", "wire", "base_url", "model", "dashboard_url", "env_prefix", "priority",
                "enabled"},
               [&](const std::string& key, const YamlField& v) {
                 if (key == "display_name") p.display_name = v.str();
                 else if (key == "wire") {
                   auto w = v.str();
                   if (w == "openai") p.wire = WireKind::openai;
                   else if (w == "gemini") p.wire = WireKind::gemini;
                   else v.fail("expected openai or gemini, got '" + w + "'");
                 } else if (key == "base_url") p.base_url = v.str();
                 else if (key == "model") p.model = v.str();
                 else if (key == "dashboard_url") p.dashboard_url = v.str();
                 else if (key == "env_prefix") p.env_prefix = v.str();
                 else if (key == "priority") p.priority = static_cast<int>(v.integer(0, 1000));
                 else if (key == "enabled") p.enabled = v.boolean();
               });
  if (p.base_url.empty()) n.fail("provider '" + name + "' needs a base_url");
  if (p.model.empty()) n.fail("provider '" + name + "' needs a model");
  if (cfg.find(name)) n.fail("provider '" + name + "' is listed twice");
  cfg.providers.push_back(std::move(p));
}

void read_root(const YamlField& root, RouterConfig& cfg) {
  // `alerts` and `schedules` belong to router/alerts; `journal`, `server`
  // (the public listener) and `cluster` to router/main, which read the same file.
  root.each_field({"providers", "timeouts", "quarantine", "ejection", "cache", "routing", "support_url", "alerts",
                   "schedules", "journal", "server", "cluster"},
                  [&](const std::string& key, const YamlField& v) {
    if (key == "providers") {
      if (!v.node.IsSequence()) v.fail("expected a list of providers");
      cfg.providers.clear();
      for (size_t i = 0; i < v.node.size(); ++i) read_provider(v.at(i), cfg, static_cast<int>(i + 1));
    } else if (key == "timeouts") {
      v.each_field({"request", "connect", "validation"}, [&](const std::string& k, const YamlField& d) {
        (k == "request" ? cfg.timeouts.request : k == "connect" ? cfg.timeouts.connect : cfg.timeouts.validation) =
            d.duration();
      });
    } else if (key == "quarantine") {
      v.each_field({"auth_base", "auth_max", "strike_decay", "rate_limit_default"},
                   [&](const std::string& k, const YamlField& d) {
                     auto& q = cfg.quarantine;
                     (k == "auth_base" ? q.auth_base : k == "auth_max" ? q.auth_max
                      : k == "strike_decay" ? q.strike_decay : q.rate_limit_default) = d.duration();
                   });
    } else if (key == "ejection") {
      v.each_field({"consecutive_failures", "base", "max"}, [&](const std::string& k, const YamlField& d) {
        if (k == "consecutive_failures") cfg.ejection.consecutive_failures = static_cast<int>(d.integer(1, 1000));
        else (k == "base" ? cfg.ejection.base : cfg.ejection.max) = d.duration();
      });
    } else if (key == "cache") {
      v.each_field({"enabled", "max_entries", "max_bytes", "ttl"}, [&](const std::string& k, const YamlField& d) {
        if (k == "enabled") cfg.cache.enabled = d.boolean();
        else if (k == "max_entries") cfg.cache.max_entries = static_cast<size_t>(d.integer(0, 10'000'000));
        else if (k == "max_bytes") cfg.cache.max_bytes = static_cast<size_t>(d.integer(0, int64_t{1} << 40));
        else cfg.cache.ttl = d.duration();
      });
    } else if (key == "routing") {
      v.each_field({"key_order", "max_attempts", "correlated_window", "probe_fresh_for", "key_weights"},
                   [&](const std::string& k, const YamlField& d) {
        if (k == "key_weights") {
          // {groq: {1: 3, 2: 1}}: provider -> key index -> weight.
          d.each_entry([&](const std::string& provider, const YamlField& keys) {
            keys.each_entry([&](const std::string& index, const YamlField& w) {
              int n = 0;
              if (index.empty() || index.size() > 4 || index.find_first_not_of("0123456789") != std::string::npos ||
                  (n = std::stoi(index)) < 1)
                w.fail("expected a key index (the N of " + provider + "_API_KEY_N), got '" + index + "'");
              cfg.routing.key_weights[provider][n] = static_cast<int>(w.integer(1, 1000));
            });
          });
        } else if (k == "probe_fresh_for") {
          cfg.routing.probe_fresh_for = d.duration();
        } else if (k == "key_order") {
          auto s = d.str();
          if (s == "ordered") cfg.routing.key_order = KeyOrder::ordered;
          else if (s == "round_robin") cfg.routing.key_order = KeyOrder::round_robin;
          else d.fail("expected ordered or round_robin, got '" + s + "'");
        } else if (k == "max_attempts") cfg.routing.max_attempts = static_cast<int>(d.integer(1, 1000));
        else cfg.routing.correlated_window = d.duration();
      });
    } else if (key == "support_url") {
      cfg.support_url = v.str();
    }
  });
}

}  // namespace

RouterConfig load_config_yaml(const std::string& yaml_text, const std::string& file_name, RouterConfig base) {
  YAML::Node doc = parse_yaml(yaml_text, file_name);
  check_yaml_shape(doc, file_name);
  return load_config_node(doc, file_name, "", std::move(base));
}

RouterConfig load_config_node(const YAML::Node& node, const std::string& file, const std::string& path,
                              RouterConfig base) {
  if (node.IsNull()) return base;
  read_root(YamlField{node, file, path}, base);
  std::stable_sort(base.providers.begin(), base.providers.end(),
                   [](const ProviderConfig& a, const ProviderConfig& b) { return a.priority < b.priority; });
  return base;
}

RouterConfig load_config_file(const std::string& path, RouterConfig base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SchemaError(path, 0, "(file)", "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_yaml(ss.str(), path, std::move(base));
}

}  // namespace keyward
