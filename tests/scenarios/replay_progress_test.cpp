// `keyward replay`'s progress line is fed from the reader: the lines and
// bytes read so far, after each block, ending at the whole file.
#include <gtest/gtest.h>

#include <sstream>
#include <utility>
#include <vector>

#include "scenarios/replay.h"

namespace keyward::scenarios {
namespace {

TEST(ReplayProgress, ReportsLinesAndBytesReadUpToTheWholeJournal) {
  std::string text;
  for (int i = 0; i < 3000; ++i)
    text += R"({"time":"2025-11-18T08:00:)" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
            R"(Z","type":"request","id":"r)" + std::to_string(i) + R"(","api":"chat","message":"hello"})" + "\n";
  ASSERT_GT(text.size(), 3u * 65536) << "several blocks";
  std::istringstream in(text);
  std::vector<std::pair<size_t, uint64_t>> seen;
  ReplayOptions o;
  o.on_progress = [&](size_t lines, uint64_t bytes) { seen.emplace_back(lines, bytes); };
  ReplayResult r = replay_journal(in, o);
  ASSERT_GE(seen.size(), 3u);
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].first, seen[i - 1].first);
    EXPECT_GT(seen[i].second, seen[i - 1].second);
  }
  EXPECT_EQ(seen.back().first, 3000u);
  EXPECT_EQ(seen.back().second, text.size());
  EXPECT_EQ(r.lines_read, 3000u);
}

}  // namespace
}  // namespace keyward::scenarios
