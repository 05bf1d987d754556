// reports_serving_provider: a provider answer must name the provider and key
// whose 200 served that request.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kTwoRequests =
    "name: served\nworld: {providers: []}\ntimeline:\n"
    "  - {at: 1s, request: {message: hi}}\n  - {at: 2s, request: {api: openai, message: hi}}\n";

TEST(ReportsServingProvider, TheNamedKeyMustHaveServedTheRequest) {
  RunRecord run;
  run.requests.push_back(answer(0, Millis(1000), 200, kChatOk));  // names groq key 1
  run.calls = {chat_call(0, Millis(1000), "groq", 1, 401), chat_call(0, Millis(1000), "groq", 2, 200)};
  CheckVerdict v = judge("reports_serving_provider", scenario(kTwoRequests), run);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.actual,
            "+00:00:01.000 answer names groq key 1; the request's chat calls: groq key 1 -> 401, groq key 2 -> 200");
  run.calls[0].status = 200;
  EXPECT_TRUE(judge("reports_serving_provider", scenario(kTwoRequests), run).passed);
  // A call of another request does not count.
  run.calls[0].event = 1;
  EXPECT_FALSE(judge("reports_serving_provider", scenario(kTwoRequests), run).passed);
}

TEST(ReportsServingProvider, OpenAiAnswersNameTheirServerUnderKeyward) {
  RunRecord run;
  run.requests.push_back(answer(
      1, Millis(2000), 200,
      R"({"object":"chat.completion","choices":[{"index":0}],"keyward":{"provider":"gemini","source":"provider","key_id":2}})"));
  run.calls = {chat_call(1, Millis(2000), "gemini", 1, 200)};
  EXPECT_FALSE(judge("reports_serving_provider", scenario(kTwoRequests), run).passed);
  run.calls[0].key_index = 2;
  EXPECT_TRUE(judge("reports_serving_provider", scenario(kTwoRequests), run).passed);
}

TEST(ReportsServingProvider, CacheAnswersAreNotJudged) {
  RunRecord run;
  run.requests.push_back(answer(
      0, Millis(1000), 200, R"({"status":"success","content":"old","provider":"groq","source":"cache","stale":true})"));
  EXPECT_TRUE(judge("reports_serving_provider", scenario(kTwoRequests), run).passed);
}

}  // namespace
}  // namespace keyward::scenarios::testing
