// The x-keyward-* headers on chat answers: on both chat routes, streamed or
// not, for provider, cache and emergency answers; the key is only ever named
// by its index.
#include "router/http/answer_headers.h"

#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

const char* kGood = "sk-proj-GOOD-CCC-0123";
const char* kEnv = "GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\nGROQ_API_KEY_2=sk-proj-GOOD-CCC-0123\n";

void start_groq(Harness& h) {
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-CCC-0123: valid}}
)");
  auto o = h.options(kEnv);
  o.validate_on_start = false;  // the first request finds the bad key itself
  h.start_service(std::move(o));
}

void expect_no_secret(const httplib::Result& r) {
  for (const auto& [name, value] : r->headers) {
    EXPECT_EQ(value.find(kGood), std::string::npos) << name;
    EXPECT_EQ(value.find("sk-proj-EXPIRED-AAA"), std::string::npos) << name;
    EXPECT_EQ(value.find("EXPIRED"), std::string::npos) << name;  // not even masked
  }
}

double overhead_ms(const httplib::Result& r) {
  std::string v = r->get_header_value("x-keyward-overhead-ms");
  EXPECT_FALSE(v.empty());
  EXPECT_NE(v.find('.'), std::string::npos) << v;  // milliseconds with decimals
  return v.empty() ? -1 : std::stod(v);
}

TEST(AnswerHeaders, ChatAnswerNamesProviderKeyAndAttempts) {
  Harness h;
  start_groq(h);
  auto r = h.chat("hello");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("x-keyward-provider"), "groq");
  EXPECT_EQ(r->get_header_value("x-keyward-key-id"), "2");
  EXPECT_EQ(r->get_header_value("x-keyward-attempts"), "2");  // key 1 failed authentication first
  EXPECT_GE(overhead_ms(r), 0);
  EXPECT_EQ(body_json(r)["key_id"], 2);  // the same id as the body's
  expect_no_secret(r);
}

TEST(AnswerHeaders, OpenAiRouteAnswerAndStreamCarryThem) {
  Harness h;
  start_groq(h);
  auto r = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}]})");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->get_header_value("x-keyward-provider"), "groq");
  EXPECT_EQ(r->get_header_value("x-keyward-key-id"), "2");
  EXPECT_EQ(r->get_header_value("x-keyward-attempts"), "2");
  EXPECT_GE(overhead_ms(r), 0);
  expect_no_secret(r);

  // Key 1 is quarantined now: the stream goes straight to key 2, and its
  // headers leave with the first delta.
  auto s = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}],"stream":true})");
  ASSERT_EQ(s->status, 200) << s->body;
  EXPECT_EQ(s->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_NE(s->body.find("data: [DONE]"), std::string::npos);
  EXPECT_EQ(s->get_header_value("x-keyward-provider"), "groq");
  EXPECT_EQ(s->get_header_value("x-keyward-key-id"), "2");
  EXPECT_EQ(s->get_header_value("x-keyward-attempts"), "1");
  EXPECT_GE(overhead_ms(s), 0);
  expect_no_secret(s);
}

TEST(AnswerHeaders, AStreamThatFailedOverCountsEveryCallBeforeItsFirstByte) {
  Harness h;
  start_groq(h);
  auto s = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"hi"}],"stream":true})");
  ASSERT_EQ(s->status, 200) << s->body;
  EXPECT_EQ(s->get_header_value("x-keyward-key-id"), "2");
  EXPECT_EQ(s->get_header_value("x-keyward-attempts"), "2");
}

TEST(AnswerHeaders, CacheAndEmergencyAnswersSayWhatAnswered) {
  Harness h;
  start_groq(h);
  ASSERT_EQ(h.chat("Help me fix this bug")->status, 200);
  h.world->provider("groq")->set_key_state(kGood, fakes::KeyState::revoked);
  h.clock.advance(Millis(1000));

  auto cached = h.chat("Help me fix this bug");
  ASSERT_EQ(cached->status, 200) << cached->body;
  EXPECT_EQ(body_json(cached)["source"], "cache");
  EXPECT_EQ(cached->get_header_value("x-keyward-provider"), "cache");
  EXPECT_EQ(cached->get_header_value("x-keyward-cache-provider"), "groq");
  EXPECT_FALSE(cached->has_header("x-keyward-key-id"));
  EXPECT_EQ(cached->get_header_value("x-keyward-attempts"), "1");  // the revoked key 2; key 1 is quarantined
  expect_no_secret(cached);

  auto emergency = h.chat("A question never asked");
  ASSERT_EQ(emergency->status, 503) << emergency->body;
  EXPECT_EQ(emergency->get_header_value("x-keyward-provider"), "emergency");
  EXPECT_FALSE(emergency->has_header("x-keyward-key-id"));
  EXPECT_TRUE(emergency->has_header("x-keyward-attempts"));
  EXPECT_GE(overhead_ms(emergency), 0);

  auto openai = h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"never asked"}]})");
  ASSERT_EQ(openai->status, 503) << openai->body;
  EXPECT_EQ(openai->get_header_value("x-keyward-provider"), "emergency");
  auto stream =
      h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"never asked"}],"stream":true})");
  ASSERT_EQ(stream->status, 503) << stream->body;
  EXPECT_EQ(stream->get_header_value("x-keyward-provider"), "emergency");
}

TEST(AnswerHeaders, OverheadExcludesProviderTime) {
  RouteOutcome out;
  out.kind = RouteOutcome::Kind::provider;
  out.provider = "groq";
  out.key_index = 3;
  AttemptRecord a;
  a.latency = std::chrono::milliseconds(40);
  out.attempts = {a, a};
  auto headers = answer_headers(out, router_overhead(out, std::chrono::microseconds(81'250)));
  auto value = [&](const std::string& name) {
    for (const auto& h : headers)
      if (h.name == name) return h.value;
    return std::string("(absent)");
  };
  EXPECT_EQ(value("x-keyward-provider"), "groq");
  EXPECT_EQ(value("x-keyward-key-id"), "3");
  EXPECT_EQ(value("x-keyward-attempts"), "2");
  EXPECT_EQ(value("x-keyward-overhead-ms"), "1.250");
}

}  // namespace
}  // namespace keyward::http::test
