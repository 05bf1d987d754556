// The fake Bot API answers like Telegram: envelopes, status codes, errors.
#include <gtest/gtest.h>
#include <httplib.h>

#include "fakes/sinks/sinks.h"
#include "tests/fakes/sinks/sink_test_util.h"

namespace keyward::fakes {
namespace {

using nlohmann::json;

class Telegram : public ::testing::Test {
 protected:
  SimClock clock{test::at(test::kScenarioMs)};
  TelegramSinkOptions options() {
    TelegramSinkOptions o;
    o.token = "123:ABC";
    return o;
  }
  TelegramSink sink{options(), clock};
  std::unique_ptr<httplib::Client> cli;
  void SetUp() override {
    sink.start();
    cli = std::make_unique<httplib::Client>(sink.url());
  }
  std::pair<int, json> send(const json& body, const std::string& token = "123:ABC") {
    auto res = cli->Post("/bot" + token + "/sendMessage", body.dump(), "application/json");
    if (!res) return {0, json()};
    return {res->status, json::parse(res->body, nullptr, false)};
  }
};

TEST_F(Telegram, SendMessageAnswersLikeTheBotApi) {
  auto [status, j] = send({{"chat_id", 424242}, {"text", "EMERGENCY ALERT\nGroq: 3/3 keys ❌"}});
  ASSERT_EQ(status, 200) << j.dump();
  EXPECT_EQ(j["ok"], true);
  EXPECT_EQ(j["result"]["message_id"], 1);
  EXPECT_EQ(j["result"]["chat"]["id"], 424242);
  EXPECT_EQ(j["result"]["chat"]["type"], "private");
  EXPECT_EQ(j["result"]["date"], test::kScenarioMs / 1000);
  EXPECT_EQ(j["result"]["text"], "EMERGENCY ALERT\nGroq: 3/3 keys ❌");
  auto msgs = sink.messages();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].chat_id, "424242");
  EXPECT_EQ(msgs[0].received, test::at(test::kScenarioMs));
  EXPECT_EQ(send({{"chat_id", "424242"}, {"text", "again"}}).second["result"]["message_id"], 2);
}

TEST_F(Telegram, FormEncodedBodyIsAccepted) {
  auto res = cli->Post("/bot123:ABC/sendMessage", httplib::Params{{"chat_id", "-100123"}, {"text", "hi"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(sink.messages().at(0).text, "hi");
}

TEST_F(Telegram, WrongTokenIs401) {
  auto [status, j] = send({{"chat_id", 1}, {"text", "x"}}, "999:WRONG");
  EXPECT_EQ(status, 401);
  EXPECT_EQ(j, json({{"ok", false}, {"error_code", 401}, {"description", "Unauthorized"}}));
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(Telegram, MissingChatOrTextIs400) {
  auto [s1, j1] = send({{"text", "x"}});
  EXPECT_EQ(s1, 400);
  EXPECT_EQ(j1["description"], "Bad Request: chat not found");
  auto [s2, j2] = send({{"chat_id", 1}});
  EXPECT_EQ(s2, 400);
  EXPECT_EQ(j2["description"], "Bad Request: message text is empty");
  EXPECT_EQ(j2["error_code"], 400);
  EXPECT_EQ(j2["ok"], false);
  EXPECT_EQ(send({{"chat_id", "99999999999999999999"}, {"text", "x"}}).first, 400);
}

TEST_F(Telegram, HtmlEntitiesMustBeEscaped) {
  auto [s1, j1] = send({{"chat_id", 1}, {"parse_mode", "HTML"}, {"text", "<b>Groq</b>: status < 500 & rising"}});
  EXPECT_EQ(s1, 400);
  EXPECT_EQ(j1["description"].get<std::string>().rfind("Bad Request: can't parse entities: ", 0), 0u)
      << j1.dump();
  auto [s2, j2] = send({{"chat_id", 1}, {"parse_mode", "HTML"}, {"text", "<b>Groq</b>: status &lt; 500 &amp; rising"}});
  EXPECT_EQ(s2, 200) << j2.dump();
  EXPECT_EQ(j2["result"]["text"], "Groq: status < 500 & rising");
  EXPECT_EQ(sink.messages().at(0).parse_mode, "HTML");
}

TEST_F(Telegram, MarkdownV2ReservedCharactersMustBeEscaped) {
  auto [s1, j1] = send({{"chat_id", 1}, {"parse_mode", "MarkdownV2"}, {"text", "*EMERGENCY* 3/3 keys failed."}});
  EXPECT_EQ(s1, 400);
  EXPECT_NE(j1["description"].get<std::string>().find("Character '.' is reserved"), std::string::npos);
  auto [s2, j2] = send({{"chat_id", 1}, {"parse_mode", "MarkdownV2"}, {"text", "*EMERGENCY* 3/3 keys failed\\."}});
  EXPECT_EQ(s2, 200) << j2.dump();
  EXPECT_EQ(j2["result"]["text"], "EMERGENCY 3/3 keys failed.");
}

TEST_F(Telegram, StatusFaultOverTheControlApiThenCleared) {
  auto set = cli->Post("/_fake/faults", R"({"kind":"status","status":502,"first":1})", "application/json");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200);
  auto [s1, j1] = send({{"chat_id", 1}, {"text", "x"}});
  EXPECT_EQ(s1, 502);
  EXPECT_EQ(j1["ok"], false);
  EXPECT_EQ(j1["error_code"], 502);
  EXPECT_EQ(send({{"chat_id", 1}, {"text", "x"}}).first, 200);  // first: 1 is spent

  auto bad = cli->Post("/_fake/faults", R"({"kind":"explode"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_TRUE(json::parse(bad->body).contains("error"));
}

TEST_F(Telegram, DownClosesTheConnectionButTheControlApiWorks) {
  sink.set_fault(SinkFault::down());
  auto res = cli->Post("/bot123:ABC/sendMessage", R"({"chat_id":1,"text":"x"})", "application/json");
  EXPECT_FALSE(res) << "a down sink must not answer";
  auto faults = cli->Get("/_fake/faults");
  ASSERT_TRUE(faults);
  EXPECT_EQ(json::parse(faults->body).size(), 1u);
  ASSERT_TRUE(cli->Delete("/_fake/faults"));
  EXPECT_EQ(send({{"chat_id", 1}, {"text", "x"}}).first, 200);
}

TEST_F(Telegram, JournalMasksTheToken) {
  send({{"chat_id", 1}, {"text", "x"}});
  auto res = cli->Get("/_fake/journal");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find("123:ABC"), std::string::npos);
  auto j = sink.journal();
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0].what, "POST /bot***/sendMessage");
  EXPECT_EQ(j[0].status, 200);
}

}  // namespace
}  // namespace keyward::fakes
