#include "router/core/response_cache.h"

#include <gtest/gtest.h>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

ChatRequest ask(const std::string& text) { return ChatRequest{{{"user", text}}, {}, {}, false, ""}; }

TEST(ResponseCache, NormalisedKeysMeet) {
  EXPECT_EQ(cache_key(ask("Help me  fix\tthis bug ")), cache_key(ask("Help me fix this bug")));
  EXPECT_NE(cache_key(ask("Help me fix this bug")), cache_key(ask("Help me fix that bug")));
}

TEST(ResponseCache, FreshThenStaleOnlyOnRequest) {
  CachePolicy policy;
  policy.ttl = 1h;
  ResponseCache cache(policy);
  WallTime t = test::at("2025-11-18T08:00:00Z");
  cache.put("k", ChatAnswer{"answer", "m", "stop", 1, 1}, "groq", t);
  ASSERT_TRUE(cache.get("k", t + 59min, false).has_value());
  EXPECT_FALSE(cache.get("k", t + 61min, false).has_value());
  auto stale = cache.get("k", t + 61min, true);
  ASSERT_TRUE(stale.has_value());
  EXPECT_TRUE(stale->stale);
  EXPECT_EQ(stale->answer.content, "answer");
  EXPECT_EQ(stale->provider, "groq");
}

TEST(ResponseCache, BoundedByEntriesAndBytesEvictingLeastRecent) {
  CachePolicy policy;
  policy.max_entries = 2;
  policy.max_bytes = 1 << 20;
  ResponseCache cache(policy);
  WallTime t = test::at("2025-11-18T08:00:00Z");
  cache.put("a", ChatAnswer{"1", "", "", 0, 0}, "groq", t);
  cache.put("b", ChatAnswer{"2", "", "", 0, 0}, "groq", t);
  cache.get("a", t, false);  // a is now most recent
  cache.put("c", ChatAnswer{"3", "", "", 0, 0}, "groq", t);
  EXPECT_EQ(cache.entries(), 2u);
  EXPECT_TRUE(cache.get("a", t, false).has_value());
  EXPECT_FALSE(cache.get("b", t, false).has_value());

  policy.max_entries = 100;
  policy.max_bytes = 300;
  ResponseCache small(policy);
  small.put("x", ChatAnswer{std::string(150, 'x'), "", "", 0, 0}, "groq", t);
  small.put("y", ChatAnswer{std::string(150, 'y'), "", "", 0, 0}, "groq", t);
  EXPECT_LE(small.bytes(), 300u);
  EXPECT_EQ(small.entries(), 1u);
  small.put("huge", ChatAnswer{std::string(1000, 'h'), "", "", 0, 0}, "groq", t);
  EXPECT_FALSE(small.get("huge", t, false).has_value());
}

}  // namespace
}  // namespace keyward
