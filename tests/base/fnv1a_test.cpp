#include "base/fnv1a.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(Fnv1a, KnownVectors) {
  EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ULL);
  static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cULL, "usable at compile time");
}

TEST(Fnv1a, HashesAConcatenationPieceByPiece) { EXPECT_EQ(fnv1a64("bar", fnv1a64("foo")), fnv1a64("foobar")); }

}  // namespace
}  // namespace keyward
