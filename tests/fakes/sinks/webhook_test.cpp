// The webhook sink stores JSON posts and refuses anything else.
#include <gtest/gtest.h>
#include <httplib.h>

#include "fakes/sinks/sinks.h"
#include "tests/fakes/sinks/sink_test_util.h"

namespace keyward::fakes {
namespace {

using nlohmann::json;

class Webhook : public ::testing::Test {
 protected:
  SimClock clock{test::at(test::kScenarioMs)};
  WebhookSink sink{WebhookSinkOptions{}, clock};
  std::unique_ptr<httplib::Client> cli;
  void SetUp() override {
    sink.start();
    cli = std::make_unique<httplib::Client>("127.0.0.1", sink.port());
  }
};

TEST_F(Webhook, JsonPostIsStored) {
  EXPECT_EQ(sink.url(), "http://127.0.0.1:" + std::to_string(sink.port()) + "/hook");
  auto res = cli->Post("/any/path", R"({"kind":"all_providers_failed","providers":["groq"]})",
                       "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto msgs = sink.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].path, "/any/path");
  EXPECT_EQ(msgs[0].method, "POST");
  EXPECT_EQ(msgs[0].body["kind"], "all_providers_failed");
  EXPECT_EQ(msgs[0].received, test::at(test::kScenarioMs));
  bool has_ct = false;
  for (auto& [k, v] : msgs[0].headers) has_ct = has_ct || (k == "Content-Type" && v == "application/json");
  EXPECT_TRUE(has_ct);
}

TEST_F(Webhook, NonJsonIsRejectedWithAJsonError) {
  auto res = cli->Post("/hook", "not json", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["ok"], false);
  EXPECT_TRUE(sink.messages().empty());
  auto get = cli->Get("/hook");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
}

TEST_F(Webhook, StatusAndSlowFaults) {
  sink.set_fault(SinkFault::http_status(503, 1));
  auto res = cli->Post("/hook", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(sink.delivered_count(), 0u);

  sink.set_fault(SinkFault::slow(30, 1));
  res = cli->Post("/hook", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto j = sink.journal();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].status, 503);
  EXPECT_GE(j[1].latency_ms, 30.0);
  EXPECT_EQ(sink.delivered_count(), 1u);
}

TEST_F(Webhook, ControlApiListsAndClears) {
  cli->Post("/hook", R"({"n":1})", "application/json");
  auto res = cli->Get("/_fake/messages");
  ASSERT_TRUE(res);
  auto arr = json::parse(res->body);
  ASSERT_EQ(arr.size(), 1u);
  EXPECT_EQ(arr[0]["body"]["n"], 1);
  ASSERT_TRUE(cli->Post("/_fake/clear", "", "application/json"));
  EXPECT_TRUE(sink.messages().empty());
  auto unknown = cli->Get("/_fake/nope");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
}

}  // namespace
}  // namespace keyward::fakes
