// `keyward run`'s command line: bad usage exits 2 before anything runs.
#include "scenarios/run_command.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "scenarios/shrink.h"

namespace keyward::scenarios {
namespace {

int run(std::vector<std::string> words) {
  words.insert(words.begin(), "run");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  return run_main(static_cast<int>(words.size()), argv.data());
}

TEST(RunCommand, UsageErrorsExit2) {
  EXPECT_EQ(run({}), 2);                                          // no path
  EXPECT_EQ(run({"--colour", "red", "scenarios/library"}), 2);    // unknown flag
  EXPECT_EQ(run({"scenarios/library", "--jobs"}), 2);             // a flag without its value
  EXPECT_EQ(run({"scenarios/library", "--seed", "soon"}), 2);     // a value of the wrong kind
  EXPECT_EQ(run({"/nonexistent/scenario.yaml"}), 2);              // no such file
  EXPECT_EQ(run({"--shrink", "x.yaml", "--shrink-seconds"}), 2);  // shrink's own flags
  EXPECT_EQ(run({"--shrink", "x.yaml", "-o", "y.yaml", "extra"}), 2);
  EXPECT_EQ(run({"--shrink", "x.yaml"}), 2);  // no -o
}

}  // namespace
}  // namespace keyward::scenarios
