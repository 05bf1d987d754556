// The Redis password never leaves the process in any output: not in the log,
// /api/status, /metrics or the dashboard, whether Redis takes the password or
// refuses it (issue 19, item 1).
#include <gtest/gtest.h>

#include "tests/router/main/cluster_test_world.h"

namespace keyward {
namespace {

const char* kPassword = "Pa55-w0rd-XYZZY";

void expect_masked_everywhere(test::ClusterWorld& w, App& app, const std::string& id, const std::string& secret) {
  std::string outputs[] = {test::http_get(app, "/api/status")->body, test::http_get(app, "/metrics")->body,
                           test::http_get(app, "/dashboard")->body};
  for (const auto& body : outputs) EXPECT_EQ(body.find(secret), std::string::npos) << body;
  for (const auto& line : w.log_of(id)) EXPECT_EQ(line.find(secret), std::string::npos) << line;
  for (const auto& line : app.service().log_lines()) EXPECT_EQ(line.find(secret), std::string::npos) << line;
}

TEST(ClusterPassword, MaskedInStatusAndLogsWhenRedisTakesIt) {
  test::ClusterWorld w(kPassword);
  ASSERT_TRUE(w.redis.ready());
  std::string url = w.redis_url() + "?password=" + kPassword;
  App app(w.replica("r1", test::kFoundingEnvText, url));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  auto status = test::status_of(app);
  EXPECT_EQ(status["cluster"]["state"], "connected") << status["cluster"];
  std::string masked = "unix://" + w.redis.socket() + "?db=0&password=***";
  EXPECT_EQ(status["cluster"]["redis"], masked);
  EXPECT_EQ(w.lines_of("r1", "INFO: cluster: replica r1 joined " + masked), 1u);
  test::http_chat(app, "alerts and facts go through Redis");
  expect_masked_everywhere(w, app, "r1", kPassword);
  app.stop();
}

TEST(ClusterPassword, MaskedWhenRedisRefusesIt) {
  test::ClusterWorld w(kPassword);
  ASSERT_TRUE(w.redis.ready());
  std::string wrong = "Wr0ng-Pa55-QUUX";
  App app(w.replica("r1", test::kFoundingEnvText, w.redis_url() + "?password=" + wrong));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error << " (a replica without Redis still serves)";
  auto status = test::status_of(app);
  EXPECT_EQ(status["cluster"]["state"], "degraded");
  EXPECT_NE(status["cluster"]["degraded_reason"].get<std::string>().find("refused the password"), std::string::npos)
      << status["cluster"];
  EXPECT_EQ(
      w.lines_of("r1", "WARN: cluster: Redis at unix://" + w.redis.socket() + "?db=0&password=*** is unreachable"), 1u);
  expect_masked_everywhere(w, app, "r1", wrong);
  app.stop();
}

}  // namespace
}  // namespace keyward
