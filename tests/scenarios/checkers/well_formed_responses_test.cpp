// well_formed_responses: each answer in one of the documented shapes, per API.
#include "tests/scenarios/checkers/checker_support.h"

namespace keyward::scenarios::testing {
namespace {

const char* kThreeApis = R"(
name: apis
world: {providers: []}
timeline:
  - {at: 1s, request: {message: hi}}
  - {at: 2s, request: {api: openai, message: hi}}
  - {at: 3s, request: {api: openai, message: hi, stream: true}}
)";

bool well_formed(size_t event, int status, const std::string& body) {
  RunRecord run;
  run.requests.push_back(answer(event, Millis(1000 * (event + 1)), status, body));
  return judge("well_formed_responses", scenario(kThreeApis), run).passed;
}

TEST(WellFormedResponses, ChatApiShapes) {
  EXPECT_TRUE(well_formed(0, 200, kChatOk));
  EXPECT_TRUE(well_formed(0, 503, kEmergency));
  EXPECT_TRUE(well_formed(0, 400, R"({"status":"error","error":"request_error","message":"bad","provider":"groq"})"));
  EXPECT_FALSE(well_formed(0, 200, R"({"status":"success","content":"hi"})"));  // who served it?
  EXPECT_FALSE(well_formed(0, 503, R"({"model":"emergency/fallback","status":"error"})"));
  EXPECT_FALSE(well_formed(0, 500, "Internal Server Error"));
  EXPECT_FALSE(well_formed(0, 0, ""));  // no answer at all
}

TEST(WellFormedResponses, OpenAiShapes) {
  EXPECT_TRUE(well_formed(1, 200, R"({"object":"chat.completion","choices":[{"index":0}]})"));
  EXPECT_TRUE(well_formed(1, 503, R"({"error":{"message":"down","type":"service_unavailable","code":"x"}})"));
  EXPECT_FALSE(well_formed(1, 200, R"({"object":"chat.completion","choices":[]})"));
  EXPECT_FALSE(well_formed(1, 502, R"({"error":"down"})"));
}

TEST(WellFormedResponses, StreamsEndInDoneOrTheDocumentedErrorFrame) {
  EXPECT_TRUE(well_formed(2, 200, "data: {\"choices\":[]}\n\ndata: [DONE]\n\n"));
  EXPECT_TRUE(well_formed(2, 200,
                          "data: {\"choices\":[]}\n\ndata: {\"error\":{\"message\":\"cut\",\"type\":\"api_error\","
                          "\"code\":\"upstream_stream_failed\"}}\n\n"));
  EXPECT_FALSE(well_formed(2, 200, "data: {\"choices\":[]}\n\n"));  // broken off, no end
  EXPECT_TRUE(well_formed(2, 503, R"({"error":{"message":"down","type":"service_unavailable"}})"));
}

TEST(WellFormedResponses, TheVerdictNamesTheRequestAndItsLine) {
  RunRecord run;
  run.requests.push_back(answer(0, Millis(1000), 500, "oops"));
  CheckVerdict v = judge("well_formed_responses", scenario(kThreeApis), run);
  EXPECT_EQ(v.actual, "+00:00:01.000 chat request (YAML line 5): not a JSON object: oops");
}

}  // namespace
}  // namespace keyward::scenarios::testing
