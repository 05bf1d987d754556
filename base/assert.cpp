#include "base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace keyward {

void assert_failed(const char* condition, const char* file, int line) noexcept {
  std::fprintf(stderr, "%s:%d: KEYWARD_ASSERT(%s) failed\n", file, line, condition);
  std::fflush(stderr);
  std::abort();
}

}  // namespace keyward
