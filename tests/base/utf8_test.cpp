#include "base/utf8.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(Utf8Prefix, NeverEndsInsideASequence) {
  std::string s = "ab\xE2\x9D\x8C\xE2\x9D\x8C";  // "ab❌❌", ❌ is 3 bytes
  EXPECT_EQ(utf8_prefix(s, 100), s);
  EXPECT_EQ(utf8_prefix(s, 8), s);
  EXPECT_EQ(utf8_prefix(s, 2), "ab");
  EXPECT_EQ(utf8_prefix(s, 3), "ab");
  EXPECT_EQ(utf8_prefix(s, 4), "ab");
  EXPECT_EQ(utf8_prefix(s, 5), "ab\xE2\x9D\x8C");
  EXPECT_EQ(utf8_prefix(s, 7), "ab\xE2\x9D\x8C");
  EXPECT_EQ(utf8_prefix("\xF0\x9F\x98\x80z", 3), "");  // a 4-byte sequence does not fit
  EXPECT_EQ(utf8_prefix(s, 0), "");
}

TEST(Utf8Truncate, MarksTheCut) {
  EXPECT_EQ(utf8_truncate("short", 10), "short");
  EXPECT_EQ(utf8_truncate("ab\xE2\x9D\x8C\xE2\x9D\x8C", 4), "ab...");
  EXPECT_EQ(utf8_truncate("ab\xE2\x9D\x8C\xE2\x9D\x8C", 5), "ab\xE2\x9D\x8C...");
  EXPECT_EQ(utf8_truncate(std::string(600, 'x'), 500).size(), 503u);
}

}  // namespace
}  // namespace keyward
