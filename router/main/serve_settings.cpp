#include "router/main/serve_settings.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "router/core/config.h"

namespace keyward {

namespace {

struct Field {
  const YAML::Node& node;
  const std::string& file;
  std::string path;

  [[noreturn]] void fail(const std::string& msg) const { throw ConfigError(file, node.Mark().line + 1, path, msg); }

  size_t count(size_t min, size_t max) const {
    if (!node.IsScalar()) fail("expected an integer");
    const std::string& s = node.Scalar();
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
      fail("expected an integer, got '" + s + "'");
    uint64_t v = std::stoull(s);
    if (v < min || v > max) fail("must be between " + std::to_string(min) + " and " + std::to_string(max));
    return static_cast<size_t>(v);
  }

  Millis duration(Millis min) const {
    Millis d{};
    if (!node.IsScalar() || !parse_duration(node.Scalar(), &d))
      fail("expected a duration such as 250ms, 10s, 5m or 1h");
    if (d < min) fail("must be at least " + std::to_string(min.count()) + "ms");
    return d;
  }
};

}  // namespace

http::ServerSettings server_settings_from_yaml(const std::string& yaml_text, const std::string& file,
                                               http::ServerSettings s) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file, e.mark.line + 1, "(root)", e.msg);
  }
  if (!root || root.IsNull()) return s;
  if (!root.IsMap()) throw ConfigError(file, root.Mark().line + 1, "(root)", "expected a mapping");
  YAML::Node server = root["server"];
  if (!server || server.IsNull()) return s;
  if (!server.IsMap()) Field{server, file, "server"}.fail("expected a mapping");
  constexpr size_t kMaxThreads = 1024;
  constexpr size_t kMaxBytes = size_t{1} << 32;
  const Millis ms1{1};
  for (const auto& kv : server) {
    std::string key = kv.first.as<std::string>();
    Field f{kv.second, file, "server." + key};
    if (key == "loop_threads")
      s.loop_threads = f.count(1, 64);
    else if (key == "handler_threads")
      s.handler_threads = f.count(1, kMaxThreads);
    else if (key == "handler_queue")
      s.handler_queue = f.count(0, 1'000'000);
    else if (key == "max_streams")
      s.max_streams = f.count(0, kMaxThreads);
    else if (key == "max_connections")
      s.max_connections = f.count(1, 10'000'000);
    else if (key == "body_limit")
      s.body_limit = f.count(0, kMaxBytes);
    else if (key == "max_headers")
      s.max_headers = f.count(1, 10'000);
    else if (key == "max_head_bytes")
      s.max_head_bytes = f.count(256, 1 << 20);
    else if (key == "head_timeout")
      s.head_timeout = f.duration(ms1);
    else if (key == "body_timeout")
      s.body_timeout = f.duration(ms1);
    else if (key == "idle_timeout")
      s.idle_timeout = f.duration(ms1);
    else if (key == "write_timeout")
      s.write_timeout = f.duration(ms1);
    else if (key == "max_unsent_bytes")
      s.max_unsent_bytes = f.count(1024, kMaxBytes);
    else if (key == "linger_bytes")
      s.linger_bytes = f.count(0, kMaxBytes);
    else if (key == "linger_timeout")
      s.linger_timeout = f.duration(Millis{0});
    else
      Field{kv.first, file, "server." + key}.fail("unknown field '" + key + "'");
  }
  return s;
}

}  // namespace keyward
