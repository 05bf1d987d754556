// Usage fields as each provider's wire carries them (docs: PROVIDER_WIRE_FORMATS.md):
// what gen_ai_client_token_usage is recorded from.
#include "router/http/wire_format.h"

#include <gtest/gtest.h>

namespace keyward::http {
namespace {

TEST(WireFormatUsage, OpenAiAnswerUsage) {
  ChatAnswer a;
  ASSERT_TRUE(parse_openai_answer(
      R"({"id":"c","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":9,"total_tokens":21}})",
      &a));
  EXPECT_EQ(a.prompt_tokens, 12);
  EXPECT_EQ(a.completion_tokens, 9);
}

TEST(WireFormatUsage, OpenAiUsageOnlyChunk) {
  ChatAnswer a;
  std::string text;
  bool finished = false;
  ASSERT_TRUE(read_openai_stream_event(
      R"({"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}})",
      &a, &text, &finished));
  EXPECT_EQ(a.prompt_tokens, 7);
  EXPECT_EQ(a.completion_tokens, 3);
}

TEST(WireFormatUsage, GroqLastChunkCarriesUsageUnderXGroq) {
  ChatAnswer a;
  std::string text;
  bool finished = false;
  ASSERT_TRUE(read_openai_stream_event(
      R"({"id":"c","object":"chat.completion.chunk","model":"llama","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":6,"completion_tokens":11,"total_tokens":17}}})",
      &a, &text, &finished));
  EXPECT_EQ(a.prompt_tokens, 6);
  EXPECT_EQ(a.completion_tokens, 11);
  EXPECT_EQ(a.finish_reason, "stop");
  // x_groq without usage (the other chunks) leaves what was read.
  ASSERT_TRUE(read_openai_stream_event(
      R"({"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"}}],"x_groq":{"id":"req_1"}})",
      &a, &text, &finished));
  EXPECT_EQ(a.prompt_tokens, 6);
}

TEST(WireFormatUsage, GeminiUsageMetadata) {
  ChatAnswer a;
  ASSERT_TRUE(parse_gemini_answer(
      R"({"candidates":[{"content":{"parts":[{"text":"hello"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":10,"totalTokenCount":15}})",
      &a));
  EXPECT_EQ(a.prompt_tokens, 5);
  EXPECT_EQ(a.completion_tokens, 10);
}

}  // namespace
}  // namespace keyward::http
