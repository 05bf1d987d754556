#pragma once
// A fresh database path per test, removed afterwards (with its WAL files).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace keyward::test {

class TempDb {
 public:
  TempDb() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "keyward-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" +
            info->name() + ".db";
    // Parameterised tests have '/' in their names.
    for (size_t i = ::testing::TempDir().size(); i < path_.size(); ++i)
      if (path_[i] == '/') path_[i] = '_';
    remove_all();
  }
  ~TempDb() { remove_all(); }
  const std::string& path() const { return path_; }

 private:
  void remove_all() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  std::string path_;
};

}  // namespace keyward::test
