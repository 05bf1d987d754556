// malformed_json and truncated_body: an answer that starts right and is wrong.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

TEST(BodyFaults, MalformedJsonIs200ThatDoesNotParse) {
  auto opts = options_for(ProviderKind::groq);
  opts.faults.push_back(parse_fault({{"kind", "malformed_json"}, {"first", 1}}));
  Fake fake(opts);
  auto r = fake.chat(kGoodKey);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(json_of(r).is_discarded()) << r->body;
  EXPECT_FALSE(json_of(fake.chat(kGoodKey)).is_discarded());
}

TEST(BodyFaults, MalformedJsonBreaksTheFirstStreamFrame) {
  auto opts = options_for(ProviderKind::openai);
  opts.faults.push_back(parse_fault({{"kind", "malformed_json"}}));
  Fake fake(opts);
  auto r = fake.chat(kGoodKey, "stream it", true);
  auto frames = sse_data(r->body);
  ASSERT_GE(frames.size(), 2u);
  EXPECT_TRUE(nlohmann::json::parse(frames[0], nullptr, false).is_discarded());
  EXPECT_FALSE(nlohmann::json::parse(frames[1], nullptr, false).is_discarded());
}

TEST(BodyFaults, TruncatedBodyFallsShortOfContentLength) {
  auto opts = options_for(ProviderKind::gemini);
  opts.faults.push_back(parse_fault({{"kind", "truncated_body"}, {"keep_percent", 40}}));
  Fake fake(opts);
  auto r = raw_exchange(fake.provider->port(), fake.raw_chat(kGoodKey));
  EXPECT_TRUE(r.eof || r.reset);
  auto head_end = r.data.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << r.data;
  auto cl = r.data.find("Content-Length: ");
  ASSERT_NE(cl, std::string::npos);
  auto announced = std::stoul(r.data.substr(cl + 16));
  auto got = r.data.size() - head_end - 4;
  EXPECT_EQ(got, announced * 40 / 100);
  EXPECT_FALSE(fake.chat(kGoodKey));  // httplib's client reports the short read
}

}  // namespace
}  // namespace keyward::fakes::testing
