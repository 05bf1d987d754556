#include "router/main/serve_settings.h"

#include "base/yaml_reader.h"

namespace keyward {

namespace {

size_t count(const YamlField& f, int64_t min, int64_t max) { return static_cast<size_t>(f.integer(min, max)); }

Millis duration_at_least(const YamlField& f, Millis min) {
  Millis d = f.duration();
  if (d < min) f.fail("must be at least " + std::to_string(min.count()) + "ms");
  return d;
}

}  // namespace

http::ServerSettings server_settings_from_yaml(const std::string& yaml_text, const std::string& file,
                                               http::ServerSettings s) {
  YAML::Node doc = parse_yaml(yaml_text, file);
  if (!doc || doc.IsNull()) return s;
  YamlField root{doc, file, ""};
  root.require_map();
  if (!root.has("server") || root.node["server"].IsNull()) return s;
  constexpr int64_t kMaxThreads = 1024;
  constexpr int64_t kMaxBytes = int64_t{1} << 32;
  const Millis ms1{1};
  root.child("server").each_field(
      {"loop_threads", "handler_threads", "handler_queue", "max_streams", "max_connections", "body_limit",
       "max_headers", "max_head_bytes", "head_timeout", "body_timeout", "idle_timeout", "write_timeout",
       "max_unsent_bytes", "linger_bytes", "linger_timeout"},
      [&](const std::string& key, const YamlField& f) {
        if (key == "loop_threads")
          s.loop_threads = count(f, 1, 64);
        else if (key == "handler_threads")
          s.handler_threads = count(f, 1, kMaxThreads);
        else if (key == "handler_queue")
          s.handler_queue = count(f, 0, 1'000'000);
        else if (key == "max_streams")
          s.max_streams = count(f, 0, kMaxThreads);
        else if (key == "max_connections")
          s.max_connections = count(f, 1, 10'000'000);
        else if (key == "body_limit")
          s.body_limit = count(f, 0, kMaxBytes);
        else if (key == "max_headers")
          s.max_headers = count(f, 1, 10'000);
        else if (key == "max_head_bytes")
          s.max_head_bytes = count(f, 256, 1 << 20);
        else if (key == "head_timeout")
          s.head_timeout = duration_at_least(f, ms1);
        else if (key == "body_timeout")
          s.body_timeout = duration_at_least(f, ms1);
        else if (key == "idle_timeout")
          s.idle_timeout = duration_at_least(f, ms1);
        else if (key == "write_timeout")
          s.write_timeout = duration_at_least(f, ms1);
        else if (key == "max_unsent_bytes")
          s.max_unsent_bytes = count(f, 1024, kMaxBytes);
        else if (key == "linger_bytes")
          s.linger_bytes = count(f, 0, kMaxBytes);
        else if (key == "linger_timeout")
          s.linger_timeout = duration_at_least(f, Millis{0});
      });
  return s;
}

}  // namespace keyward
