// Bad input gets a clear JSON 4xx, never a crash.
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
    auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
    o.admin_token = "tok";
    h.start_service(std::move(o));
  }
  void expect_400(const std::string& path, const std::string& body, const std::string& says) {
    auto r = h.post(path, body);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body;
    auto j = body_json(r);
    ASSERT_FALSE(j.is_discarded()) << r->body;
    std::string text = j.contains("message") ? j["message"].get<std::string>() : j["error"]["message"].get<std::string>();
    EXPECT_NE(text.find(says), std::string::npos) << body << " -> " << text;
  }
  Harness h;
};

TEST_F(BadInput, ChatRoute) {
  expect_400("/api/ai/chat", "{not json", "not valid JSON");
  expect_400("/api/ai/chat", "[1,2]", "must be a JSON object");
  expect_400("/api/ai/chat", "{}", "missing field 'message'");
  expect_400("/api/ai/chat", R"({"message": 42})", "'message' must be a string");
  expect_400("/api/ai/chat", R"({"message": "  "})", "must not be empty");
  expect_400("/api/ai/chat", R"({"message": "hi", "temperature": "hot"})", "'temperature'");
  expect_400("/api/ai/chat", "", "not valid JSON");
  EXPECT_EQ(h.total_calls(), 1u);  // the start-up ping only: bad input never reaches a provider
}

TEST_F(BadInput, OpenAiRouteAnswersWithTheErrorEnvelope) {
  expect_400("/v1/chat/completions", R"({"model":"x"})", "missing field 'messages'");
  expect_400("/v1/chat/completions", R"({"messages":[]})", "non-empty");
  expect_400("/v1/chat/completions", R"({"messages":[{"role":"wizard","content":"x"}]})", "role");
  expect_400("/v1/chat/completions", R"({"messages":[{"role":"user","content":5}]})", "content");
  expect_400("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})", "'stream'");
  auto r = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":5}]})");
  auto j = body_json(r);
  EXPECT_EQ(j["error"]["type"], "invalid_request_error");
  EXPECT_EQ(j["error"]["param"], "messages[0].content");
}

TEST_F(BadInput, OversizedBodyIs413) {
  std::string big = R"({"message":")" + std::string(2 << 20, 'a') + R"("})";
  auto r = h.post("/api/ai/chat", big);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(body_json(r)["error"], "payload_too_large");
  EXPECT_EQ(h.chat("still alive")->status, 200);
}

TEST_F(BadInput, UnknownRouteIs404Json) {
  auto r = h.get("/nope");
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body_json(r)["error"], "not_found");
  auto o = h.get("/v1/nope");
  EXPECT_EQ(o->status, 404);
  EXPECT_EQ(body_json(o)["error"]["code"], "not_found");
  EXPECT_EQ(h.get("/api/ai/chat")->status, 404);  // wrong method
  auto c = h.client();
  EXPECT_EQ(c.Get("/api/journal?limit=abc", {{"Authorization", "Bearer tok"}})->status, 400);
}

}  // namespace
}  // namespace keyward::http::test
