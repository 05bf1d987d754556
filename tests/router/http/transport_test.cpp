// The transports on their own: timeouts, TLS, Gemini translation, SSE framing.
#include <chrono>
#include <future>

#include "router/http/blocking_over_async.h"
#include "router/http/sse.h"
#include "router/http/transports.h"
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

using nlohmann::json;

struct CollectSink final : StreamSink {
  std::string text;
  bool on_delta(const std::string& t) override {
    text += t;
    return true;
  }
};

ChatRequest hello() {
  ChatRequest r;
  r.messages = {{"system", "Be brief."}, {"user", "Hello"}, {"assistant", "Hi"}, {"user", "Again"}};
  r.temperature = 0.5;
  r.max_tokens = 10;
  return r;
}

TEST(Transport, HangingProviderTimesOutWithinTheCallTimeout) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}, faults: [{kind: hang, hang_ms: 5000}]}
)");
  WireTransport t;
  BlockingOverAsync b(t);
  auto pc = h.config().providers[0];
  KeyConfig key{1, "GROQ_API_KEY_1", "sk-proj-GOOD-AAA-0123", std::nullopt};
  ChatAnswer answer;
  auto t0 = std::chrono::steady_clock::now();
  auto r = b.chat_now(pc, key, hello(), Millis(200), &answer, nullptr);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.transport, TransportError::timeout);
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));
  EXPECT_EQ(classify(r, WallTime{}).cls, ErrorClass::network);
}

TEST(Transport, HttpsBaseUrlWithVerificationOffReachesATlsFake) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, tls: true, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
  auto pc = h.config().providers[0];
  ASSERT_EQ(pc.base_url.rfind("https://", 0), 0u) << pc.base_url;
  KeyConfig key{1, "GROQ_API_KEY_1", "sk-proj-GOOD-AAA-0123", std::nullopt};
  {
    WireTransport insecure(net::UpstreamOptions{.tls_verify = false});
    BlockingOverAsync b(insecure);
    ChatAnswer answer;
    auto r = b.chat_now(pc, key, hello(), Millis(5000), &answer, nullptr);
    EXPECT_EQ(r.transport, TransportError::none);
    EXPECT_EQ(r.status, 200);
    EXPECT_FALSE(answer.content.empty());
    // Second call over the same kept-alive TLS connection.
    EXPECT_EQ(b.chat_now(pc, key, hello(), Millis(5000), &answer, nullptr).status, 200);
    EXPECT_EQ(insecure.client().idle_count(), 1u);
    // A streamed answer over TLS, on the same connection.
    struct Collect final : StreamSink {
      std::string text;
      bool on_delta(const std::string& t) override {
        text += t;
        return true;
      }
    } sink;
    ChatAnswer streamed;
    EXPECT_EQ(b.chat_now(pc, key, hello(), Millis(5000), &streamed, &sink).transport, TransportError::none);
    EXPECT_FALSE(sink.text.empty());
    EXPECT_EQ(sink.text, streamed.content);
    EXPECT_EQ(insecure.client().idle_count(), 1u);
  }
  WireTransport verifying;  // the self-signed certificate must be refused
  BlockingOverAsync b(verifying);
  ChatAnswer answer;
  auto r = b.chat_now(pc, key, hello(), Millis(5000), &answer, nullptr);
  EXPECT_EQ(r.transport, TransportError::tls);
  EXPECT_EQ(verifying.client().idle_count(), 0u);
}

TEST(Transport, GeminiRequestTranslation) {
  auto body = json::parse(gemini_request_body(hello()));
  EXPECT_EQ(body["systemInstruction"]["parts"][0]["text"], "Be brief.");
  ASSERT_EQ(body["contents"].size(), 3u);
  EXPECT_EQ(body["contents"][0]["role"], "user");
  EXPECT_EQ(body["contents"][1]["role"], "model");
  EXPECT_EQ(body["contents"][1]["parts"][0]["text"], "Hi");
  EXPECT_EQ(body["generationConfig"]["maxOutputTokens"], 10);
  auto oa = json::parse(openai_request_body("m", hello(), true));
  EXPECT_EQ(oa["model"], "m");
  EXPECT_EQ(oa["stream"], true);
  EXPECT_EQ(oa["messages"].size(), 4u);
}

TEST(Transport, GeminiAnswerTranslation) {
  ChatAnswer a;
  ASSERT_TRUE(parse_gemini_answer(
      R"({"candidates":[{"content":{"parts":[{"text":"hel"},{"text":"lo"}],"role":"model"},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":5,"candidatesTokenCount":10},"modelVersion":"gemini-1.5-flash"})",
      &a));
  EXPECT_EQ(a.content, "hello");
  EXPECT_EQ(a.finish_reason, "length");
  EXPECT_EQ(a.prompt_tokens, 5);
  EXPECT_EQ(a.completion_tokens, 10);
  EXPECT_FALSE(parse_gemini_answer(R"({"candidates":"nope"})", &a));
  EXPECT_FALSE(parse_gemini_answer("{trunc", &a));
  EXPECT_FALSE(parse_openai_answer(R"({"choices":[]})", &a));
}

TEST(Transport, AnAnswerNestedTooDeepIsMalformedNotParsed) {
  // Valid JSON, but 100k levels deep: copying or printing it would recurse
  // that deep, so it is refused before parsing.
  std::string deep = R"({"choices":[{"message":{"content":"hi"}}],"x":)";
  deep += std::string(100'000, '[') + std::string(100'000, ']') + "}";
  ChatAnswer a;
  EXPECT_FALSE(parse_openai_answer(deep, &a));
  EXPECT_FALSE(parse_gemini_answer(deep, &a));
  EXPECT_TRUE(parse_openai_answer(R"({"choices":[{"message":{"content":"hi"}}],"x":[[[]]]})", &a));
  EXPECT_EQ(a.content, "hi");
}

TEST(Transport, GeminiStreamDeliversDeltasAndNeedsAFinishReason) {
  Harness h;
  h.start_world("providers:\n  - {name: gemini, kind: gemini, keys: {AIza-GOOD-0123456789: valid}}\n");
  WireTransport t;
  BlockingOverAsync b(t);
  auto pc = h.config().providers[0];
  KeyConfig key{1, "GEMINI_API_KEY_1", "AIza-GOOD-0123456789", std::nullopt};
  CollectSink sink;
  ChatAnswer answer;
  auto r = b.chat_now(pc, key, hello(), Millis(5000), &answer, &sink);
  EXPECT_EQ(r.transport, TransportError::none);
  EXPECT_FALSE(sink.text.empty());
  EXPECT_EQ(sink.text, answer.content);
  EXPECT_EQ(answer.finish_reason, "stop");

  h.world->provider("gemini")->add_fault(fakes::parse_fault(json{{"kind", "stream_cut"}, {"after_chunks", 1}}));
  ChatAnswer cut;
  CollectSink cut_sink;
  auto rc = b.chat_now(pc, key, hello(), Millis(5000), &cut, &cut_sink);
  EXPECT_NE(rc.transport, TransportError::none);
}

TEST(Transport, SseParserHandlesCrlfAndSplitFrames) {
  SseParser p(1024);
  std::vector<std::string> events;
  auto on = [&](const std::string& d) {
    events.push_back(d);
    return true;
  };
  EXPECT_EQ(p.feed("data: {\"a\":1}\r\n\r\nda", on), SseParser::Status::ok);
  EXPECT_EQ(p.feed("ta: [DONE]\n\n: comment\n\n", on), SseParser::Status::ok);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "{\"a\":1}");
  EXPECT_EQ(events[1], "[DONE]");
  EXPECT_FALSE(p.pending());
  SseParser small(8);
  EXPECT_EQ(small.feed("data: 0123456789\n\n", on), SseParser::Status::too_large);
}

TEST(Transport, AnOversizedAnswerIsBodyTooLarge) {
  Harness h;
  h.start_world("providers:\n  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}\n");
  WireTransport t(net::UpstreamOptions{.max_body_bytes = 64});
  BlockingOverAsync b(t);
  KeyConfig key{1, "GROQ_API_KEY_1", "sk-proj-GOOD-AAA-0123", std::nullopt};
  ChatAnswer answer;
  auto r = b.chat_now(h.config().providers[0], key, hello(), Millis(5000), &answer, nullptr);
  EXPECT_EQ(r.transport, TransportError::body_too_large);
}

TEST(Transport, ASinkThatRefusesADeltaEndsTheCallAsClientGoneNotAsTheProvidersFailure) {
  // On the transport itself (no BlockingOverAsync to translate): the
  // refusal aborts the upstream read and is reported as the caller's doing.
  Harness h;
  h.start_world("providers:\n  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}\n");
  WireTransport t;
  auto pc = h.config().providers[0];
  KeyConfig key{1, "GROQ_API_KEY_1", "sk-proj-GOOD-AAA-0123", std::nullopt};
  struct HangUp final : StreamSink {
    int deltas = 0;
    bool on_delta(const std::string&) override { return ++deltas > 1 ? true : false; }
  } sink;
  std::promise<AttemptResult> ended;
  t.chat(pc, key, hello(), Millis(5000), &sink, [&](AttemptResult r, ChatAnswer) { ended.set_value(std::move(r)); });
  auto done = ended.get_future();
  ASSERT_EQ(done.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  AttemptResult r = done.get();
  EXPECT_EQ(r.transport, TransportError::client_gone);
  EXPECT_EQ(sink.deltas, 1) << "nothing more is read once the caller said stop";
  EXPECT_EQ(classify(r, WallTime{}).cls, ErrorClass::cancelled);
}

}  // namespace
}  // namespace keyward::http::test
