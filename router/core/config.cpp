#include "router/core/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "router/core/secret.h"

namespace keyward {

const char* to_string(WireKind k) { return k == WireKind::gemini ? "gemini" : "openai"; }

std::string KeyConfig::masked() const { return mask_secret(secret); }

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

bool parse_duration(const std::string& text, Millis* out) {
  if (text.empty()) return false;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (start == i || i - start > 12) return false;
    int64_t n = std::stoll(text.substr(start, i - start));
    size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(ustart, i - ustart);
    int64_t mult = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : unit == "h" ? 3'600'000
                 : unit == "d" ? 86'400'000 : 0;
    if (mult == 0) return false;
    // A century is more than any timeout or scenario needs; beyond it the
    // product could overflow int64 ("999999999999d").
    constexpr int64_t kMaxMillis = int64_t{100} * 365 * 86'400'000;
    if (n > (kMaxMillis - total) / mult) return false;
    total += n * mult;
  }
  *out = Millis(total);
  return true;
}

namespace {

// Strict reader: file:line and dotted path in every error; unknown fields fail.
struct Node {
  YAML::Node node;
  const std::string& file;
  std::string path;

  [[noreturn]] void fail(const std::string& msg) const {
    throw ConfigError(file, node.Mark().line + 1, path.empty() ? "(root)" : path, msg);
  }
  Node child(const YAML::Node& key, const YAML::Node& value) const {
    auto k = key.as<std::string>();
    return Node{value, file, path.empty() ? k : path + "." + k};
  }
  template <typename Fn>
  void each_field(std::initializer_list<const char*> allowed, Fn fn) const {
    if (!node.IsMap()) fail("expected a mapping");
    for (const auto& kv : node) {
      auto key = kv.first.as<std::string>();
      if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; }) ==
          allowed.end()) {
        Node{kv.first, file, path.empty() ? key : path + "." + key}.fail("unknown field '" + key + "'");
      }
      fn(key, child(kv.first, kv.second));
    }
  }
  std::string str() const {
    if (!node.IsScalar()) fail("expected a string");
    return node.Scalar();
  }
  int64_t integer(int64_t min, int64_t max) const {
    if (!node.IsScalar()) fail("expected an integer");
    try {
      size_t used = 0;
      int64_t v = std::stoll(node.Scalar(), &used);
      if (used != node.Scalar().size()) throw std::invalid_argument("trailing");
      if (v < min || v > max) fail("must be between " + std::to_string(min) + " and " + std::to_string(max));
      return v;
    } catch (const std::logic_error&) {
      fail("expected an integer, got '" + node.Scalar() + "'");
    }
  }
  bool boolean() const {
    if (!node.IsScalar()) fail("expected true or false");
    const auto& s = node.Scalar();
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail("expected true or false, got '" + s + "'");
  }
  Millis duration() const {
    Millis d{};
    if (!node.IsScalar() || !parse_duration(node.Scalar(), &d))
      fail("expected a duration such as 250ms, 10s, 5m or 1h");
    return d;
  }
};

void read_provider(const Node& n, RouterConfig& cfg, int position) {
  ProviderConfig p;
  std::string name;
  if (!n.node.IsMap()) n.fail("expected a mapping");
  if (!n.node["name"]) n.fail("missing field 'name'");
  name = Node{n.node["name"], n.file, n.path + ".name"}.str();
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
               [&](const std::string& key, const Node& v) {
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

void read_root(const Node& root, RouterConfig& cfg) {
  // `alerts` and `schedules` belong to router/alerts, `server` to the listener
  // (router/main/serve_settings.cpp); they read the same file.
  root.each_field({"providers", "timeouts", "quarantine", "ejection", "cache", "routing", "support_url", "alerts",
                   "schedules", "server"},
                  [&](const std::string& key, const Node& v) {
    if (key == "providers") {
      if (!v.node.IsSequence()) v.fail("expected a list of providers");
      cfg.providers.clear();
      for (size_t i = 0; i < v.node.size(); ++i)
        read_provider(Node{v.node[i], v.file, v.path + "[" + std::to_string(i) + "]"}, cfg, static_cast<int>(i + 1));
    } else if (key == "timeouts") {
      v.each_field({"request", "connect", "validation"}, [&](const std::string& k, const Node& d) {
        (k == "request" ? cfg.timeouts.request : k == "connect" ? cfg.timeouts.connect : cfg.timeouts.validation) =
            d.duration();
      });
    } else if (key == "quarantine") {
      v.each_field({"auth_base", "auth_max", "strike_decay", "rate_limit_default"},
                   [&](const std::string& k, const Node& d) {
                     auto& q = cfg.quarantine;
                     (k == "auth_base" ? q.auth_base : k == "auth_max" ? q.auth_max
                      : k == "strike_decay" ? q.strike_decay : q.rate_limit_default) = d.duration();
                   });
    } else if (key == "ejection") {
      v.each_field({"consecutive_failures", "base", "max"}, [&](const std::string& k, const Node& d) {
        if (k == "consecutive_failures") cfg.ejection.consecutive_failures = static_cast<int>(d.integer(1, 1000));
        else (k == "base" ? cfg.ejection.base : cfg.ejection.max) = d.duration();
      });
    } else if (key == "cache") {
      v.each_field({"enabled", "max_entries", "max_bytes", "ttl"}, [&](const std::string& k, const Node& d) {
        if (k == "enabled") cfg.cache.enabled = d.boolean();
        else if (k == "max_entries") cfg.cache.max_entries = static_cast<size_t>(d.integer(0, 10'000'000));
        else if (k == "max_bytes") cfg.cache.max_bytes = static_cast<size_t>(d.integer(0, int64_t{1} << 40));
        else cfg.cache.ttl = d.duration();
      });
    } else if (key == "routing") {
      v.each_field({"key_order", "max_attempts", "correlated_window"}, [&](const std::string& k, const Node& d) {
        if (k == "key_order") {
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

void check_yaml_shape(const YAML::Node& root, const std::string& file) {
  constexpr int kMaxDepth = 64;
  size_t budget = 100'000;
  auto fail = [&](const YAML::Node& n, const std::string& msg) {
    throw ConfigError(file, n.Mark().line + 1, "(document)", msg);
  };
  auto walk = [&](auto& self, const YAML::Node& n, int depth) -> void {
    if (depth > kMaxDepth)
      fail(n, "nested deeper than " + std::to_string(kMaxDepth) + " levels (or an anchor that contains itself)");
    if (budget-- == 0) fail(n, "more than 100000 nodes (aliases expanding?)");
    if (n.IsSequence()) {
      for (const auto& item : n) self(self, item, depth + 1);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) fail(kv.first, "a field name must be a plain string");
        self(self, kv.second, depth + 1);
      }
    }
  };
  walk(walk, root, 0);
}

RouterConfig load_config_yaml(const std::string& yaml_text, const std::string& file_name, RouterConfig base) {
  YAML::Node doc;
  try {
    doc = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file_name, e.mark.line + 1, "(syntax)", e.msg);
  }
  check_yaml_shape(doc, file_name);
  return load_config_node(doc, file_name, "", std::move(base));
}

RouterConfig load_config_node(const YAML::Node& node, const std::string& file, const std::string& path,
                              RouterConfig base) {
  if (node.IsNull()) return base;
  read_root(Node{node, file, path}, base);
  std::stable_sort(base.providers.begin(), base.providers.end(),
                   [](const ProviderConfig& a, const ProviderConfig& b) { return a.priority < b.priority; });
  return base;
}

RouterConfig load_config_file(const std::string& path, RouterConfig base) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, 0, "(file)", "cannot be read");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_config_yaml(ss.str(), path, std::move(base));
}

}  // namespace keyward
