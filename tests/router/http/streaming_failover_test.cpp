// Streaming: failover is allowed until the first byte reaches the client,
// and a stream that breaks after it ends with an error frame, not a splice.
#include "tests/router/http/harness.h"
#include "tests/router/http/sse_util.h"

namespace keyward::http::test {
namespace {

using nlohmann::json;

const std::string kStreamBody =
    R"({"messages":[{"role":"user","content":"Stream me an answer"}],"stream":true})";

TEST(StreamingFailover, ABrokenFirstFrameFailsOverToTheNextProvider) {
  Harness h;
  h.start_world(R"(
providers:
  - name: groq
    kind: groq
    keys: {sk-proj-GOOD-AAA-0123: valid}
    faults: [{kind: malformed_json, path: /chat/completions}]
  - {name: gemini, kind: gemini, keys: {AIza-GOOD-0123456789: valid}}
)");
  h.start_service(h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGEMINI_API_KEY_1=AIza-GOOD-0123456789\n"));
  auto r = h.post("/v1/chat/completions", kStreamBody);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  auto frames = sse_data(r->body);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back(), "[DONE]");
  EXPECT_EQ(json::parse(frames[frames.size() - 2])["model"], "gemini/gemini-1.5-flash");
  // Nothing of Groq's broken answer reached the client: only Gemini's text.
  std::string text;
  for (const auto& f : frames) {
    if (f == "[DONE]") continue;
    auto d = json::parse(f)["choices"][0]["delta"];
    if (d.contains("content")) text += d["content"].get<std::string>();
  }
  EXPECT_NE(text.find("gemini"), std::string::npos) << text;
  EXPECT_EQ(text.find("groq"), std::string::npos) << text;
  EXPECT_EQ(h.service->stats().value(Stat::attempts, {"groq", "1", "network"}), 1u);
}

TEST(StreamingFailover, ACutAfterTheFirstByteEndsWithAnErrorFrameAndNoDone) {
  Harness h;
  h.start_world(R"(
providers:
  - name: groq
    kind: groq
    keys: {sk-proj-GOOD-AAA-0123: valid}
    faults: [{kind: stream_cut, after_chunks: 2}]
  - {name: gemini, kind: gemini, keys: {AIza-GOOD-0123456789: valid}}
)");
  h.start_service(h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGEMINI_API_KEY_1=AIza-GOOD-0123456789\n"));
  auto r = h.post("/v1/chat/completions", kStreamBody);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  auto frames = sse_data(r->body);
  ASSERT_FALSE(frames.empty()) << r->body;
  EXPECT_NE(frames.back(), "[DONE]");
  auto last = json::parse(frames.back());
  EXPECT_EQ(last["error"]["code"], "upstream_stream_failed");
  EXPECT_EQ(h.calls("gemini", "AIza-GOOD-0123456789"), 1u);  // the ping only: no failover after bytes went out
  EXPECT_EQ(h.service->stats().value(Stat::requests, {"openai_stream", "stream_failed"}), 1u);
}

}  // namespace
}  // namespace keyward::http::test
