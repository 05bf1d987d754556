// KEYWARD_ASSERT: always on, names file:line and the condition, aborts.
#include "base/assert.h"

#include <gtest/gtest.h>

#include <vector>

namespace keyward {
namespace {

int at(const std::vector<int>& v, size_t i) {
  KEYWARD_ASSERT(i < v.size());
  return v[i];
}

TEST(AssertDeathTest, ABrokenInvariantAbortsWithFileLineAndTheCondition) {
  std::vector<int> v{1, 2, 3};
  EXPECT_EQ(at(v, 2), 3);
  EXPECT_DEATH(at(v, 3), R"(assert_test\.cpp:[0-9]+: KEYWARD_ASSERT\(i < v\.size\(\)\) failed)");
}

TEST(AssertDeathTest, StaysOnWhenNdebugIsDefined) {
  // The macro does not read NDEBUG: Release builds check too. This file is
  // compiled like the rest of the tree; the check is that the macro's
  // expansion evaluates the condition whatever NDEBUG says.
  int evaluated = 0;
  KEYWARD_ASSERT(++evaluated == 1);
  EXPECT_EQ(evaluated, 1);
}

}  // namespace
}  // namespace keyward
