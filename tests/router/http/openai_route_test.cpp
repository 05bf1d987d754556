// POST /v1/chat/completions: the OpenAI-compatible route, non-streaming and
// streaming, from an OpenAI-dialect provider and translated from Gemini.
#include "tests/router/http/harness.h"
#include "tests/router/http/sse_util.h"

namespace keyward::http::test {
namespace {

using nlohmann::json;

std::string completion_body(bool stream) {
  return json{{"model", "anything"},
              {"messages", {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", "Say hi"}}}},
              {"temperature", 0.2},
              {"max_tokens", 50},
              {"stream", stream}}
      .dump();
}

// Concatenates the delta contents; checks the framing on the way.
std::string joined_deltas(const std::vector<std::string>& frames, std::string* last_finish) {
  std::string text;
  for (const auto& f : frames) {
    if (f == "[DONE]") continue;
    auto j = json::parse(f);
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    const auto& c = j["choices"][0];
    if (c["delta"].contains("content")) text += c["delta"]["content"].get<std::string>();
    if (!c["finish_reason"].is_null()) *last_finish = c["finish_reason"];
  }
  return text;
}

class OpenAiRoute : public ::testing::TestWithParam<const char*> {};

TEST_P(OpenAiRoute, NonStreamingAnswerIsAChatCompletion) {
  Harness h;
  std::string kind = GetParam();
  h.start_world("providers:\n  - {name: " + kind + ", kind: " + kind + ", keys: {GOOD-KEY-0123456789: valid}}\n");
  std::string prefix = kind == "groq" ? "GROQ" : kind == "gemini" ? "GEMINI" : "MISTRAL";
  h.start_service(h.options(prefix + "_API_KEY_1=GOOD-KEY-0123456789\n"));
  auto r = h.post("/v1/chat/completions", completion_body(false));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["model"], h.service->router().config().providers[0].qualified_model());
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_FALSE(j["choices"][0]["message"]["content"].get<std::string>().empty());
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  EXPECT_GT(j["usage"]["total_tokens"].get<int>(), 0);
}

TEST_P(OpenAiRoute, StreamingAnswerIsSseWithDone) {
  Harness h;
  std::string kind = GetParam();
  h.start_world("providers:\n  - {name: " + kind + ", kind: " + kind + ", keys: {GOOD-KEY-0123456789: valid}}\n");
  std::string prefix = kind == "groq" ? "GROQ" : kind == "gemini" ? "GEMINI" : "MISTRAL";
  h.start_service(h.options(prefix + "_API_KEY_1=GOOD-KEY-0123456789\n"));

  // The same question without streaming gives the text to compare with (the fakes are deterministic).
  std::string expected = body_json(h.post("/v1/chat/completions", completion_body(false)))["choices"][0]["message"]["content"];

  auto r = h.post("/v1/chat/completions", completion_body(true));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  auto frames = sse_data(r->body);
  ASSERT_GE(frames.size(), 3u) << r->body;
  EXPECT_EQ(frames.back(), "[DONE]");
  std::string finish;
  EXPECT_EQ(joined_deltas(frames, &finish), expected);
  EXPECT_EQ(finish, "stop");
  EXPECT_EQ(json::parse(frames.front())["choices"][0]["delta"]["role"], "assistant");
  auto last = json::parse(frames[frames.size() - 2]);
  EXPECT_EQ(last["model"], h.service->router().config().providers[0].qualified_model());
}

INSTANTIATE_TEST_SUITE_P(Providers, OpenAiRoute, ::testing::Values("groq", "gemini", "mistral"));

TEST(OpenAiRouteErrors, EmergencyIsAnOpenAiErrorEnvelopeWith503) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.validate_on_start = false;
  h.start_service(std::move(o));
  for (bool stream : {false, true}) {
    auto r = h.post("/v1/chat/completions", completion_body(stream));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_FALSE(r->get_header_value("Retry-After").empty());
    auto j = body_json(r);
    ASSERT_TRUE(j.contains("error")) << r->body;
    EXPECT_EQ(j["error"]["code"], "all_authentication_failed");
    EXPECT_EQ(j["error"]["type"], "service_unavailable");
    EXPECT_TRUE(j["error"]["param"].is_null());
    EXPECT_NE(j["error"]["message"].get<std::string>().find("AI Service Temporarily Unavailable"), std::string::npos);
  }
}

TEST(OpenAiRouteErrors, ModelsListsQualifiedModelsOfProvidersWithKeys) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options("GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\nGEMINI_API_KEY_1=AIza-EXPIRED-XXX\n");
  o.validate_on_start = false;
  h.start_service(std::move(o));
  auto j = body_json(h.get("/v1/models"));
  EXPECT_EQ(j["object"], "list");
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["data"][0]["id"], "groq/llama-3.3-70b-versatile");
  EXPECT_EQ(j["data"][1]["id"], "gemini/gemini-1.5-flash");
}

}  // namespace
}  // namespace keyward::http::test
