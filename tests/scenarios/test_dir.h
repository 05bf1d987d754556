#pragma once
// A scratch folder of this test process: test binaries run in parallel (ctest
// -j, a sanitizer build next to a release one) must not share work dirs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace keyward::scenarios {

inline std::string test_dir() { return ::testing::TempDir() + "keyward-" + std::to_string(::getpid()); }

}  // namespace keyward::scenarios
