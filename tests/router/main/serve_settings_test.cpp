// keyward.yaml's `server:` section: every field, strict errors with
// file:line: field, and the documented example parses.
#include "router/main/serve_settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "router/core/config.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

std::string error_of(const std::string& yaml) {
  try {
    server_settings_from_yaml(yaml, "keyward.yaml");
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "";
}

TEST(ServerSettings, EveryFieldIsRead) {
  auto s = server_settings_from_yaml(R"(
providers: []
server:
  loop_threads: 2
  handler_threads: 8
  handler_queue: 64
  max_streams: 4
  max_connections: 500
  body_limit: 65536
  max_headers: 50
  max_head_bytes: 8192
  head_timeout: 2s
  body_timeout: 5s
  idle_timeout: 90s
  write_timeout: 15s
  max_unsent_bytes: 262144
  linger_bytes: 0
  linger_timeout: 500ms
)",
                                     "keyward.yaml");
  EXPECT_EQ(s.loop_threads, 2u);
  EXPECT_EQ(s.handler_threads, 8u);
  EXPECT_EQ(s.handler_queue, 64u);
  EXPECT_EQ(s.max_streams, 4u);
  EXPECT_EQ(s.max_connections, 500u);
  EXPECT_EQ(s.body_limit, 65536u);
  EXPECT_EQ(s.max_headers, 50u);
  EXPECT_EQ(s.max_head_bytes, 8192u);
  EXPECT_EQ(s.head_timeout, 2s);
  EXPECT_EQ(s.body_timeout, 5s);
  EXPECT_EQ(s.idle_timeout, 90s);
  EXPECT_EQ(s.write_timeout, 15s);
  EXPECT_EQ(s.max_unsent_bytes, 262144u);
  EXPECT_EQ(s.linger_bytes, 0u);
  EXPECT_EQ(s.linger_timeout, 500ms);
}

TEST(ServerSettings, NoSectionMeansTheDefaults) {
  auto s = server_settings_from_yaml("timeouts: {request: 10s}\n", "keyward.yaml");
  http::ServerSettings d;
  EXPECT_EQ(s.head_timeout, d.head_timeout);
  EXPECT_EQ(s.max_connections, d.max_connections);
  EXPECT_EQ(server_settings_from_yaml("", "keyward.yaml").body_limit, d.body_limit);
}

TEST(ServerSettings, BadFieldsNameTheFileLineAndField) {
  EXPECT_EQ(error_of("server:\n  head_timout: 10s\n"),
            "keyward.yaml:2: server.head_timout: unknown field 'head_timout'");
  EXPECT_EQ(error_of("server:\n  max_headers: lots\n"),
            "keyward.yaml:2: server.max_headers: expected an integer, got 'lots'");
  EXPECT_EQ(error_of("server:\n  body_limit: -1\n"),
            "keyward.yaml:2: server.body_limit: must be between 0 and 4294967296");
  EXPECT_EQ(error_of("server:\n  head_timeout: 0s\n"), "keyward.yaml:2: server.head_timeout: must be at least 1ms");
  EXPECT_EQ(error_of("server:\n  handler_threads: 0\n"),
            "keyward.yaml:2: server.handler_threads: must be between 1 and 1024");
  EXPECT_EQ(error_of("server:\n  head_timeout: soon\n"),
            "keyward.yaml:2: server.head_timeout: expected a duration such as 250ms, 10s, 5m or 1h");
  EXPECT_EQ(error_of("server: 5\n"), "keyward.yaml:1: server: expected a mapping");
}

TEST(ServerSettings, TheDocumentedExampleParsesWithTheRouterConfig) {
  const std::string path = std::string(KEYWARD_SOURCE_DIR) + "/docs/examples/keyward.yaml";
  std::ifstream f(path);
  std::stringstream text;
  text << f.rdbuf();
  ASSERT_FALSE(text.str().empty()) << path;
  EXPECT_NO_THROW(load_config_file(path));  // the router's reader accepts `server:`
  auto s = server_settings_from_yaml(text.str(), path);
  EXPECT_EQ(s.head_timeout, 10s);
  EXPECT_EQ(s.max_headers, 100u);
}

}  // namespace
}  // namespace keyward
