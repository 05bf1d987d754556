// The one-line progress display: rewritten in place on a terminal, silent
// anywhere else.
#include "base/progress_line.h"

#include <gtest/gtest.h>

#include <sstream>

namespace keyward {
namespace {

TEST(ProgressLine, RewritesOneLineInPlaceOnATerminal) {
  std::ostringstream out;
  ProgressLine line(out, /*is_terminal=*/true);
  line.show("[1/3] all_keys_fail…");
  EXPECT_EQ(out.str(), "\r[1/3] all_keys_fail…");
  out.str("");
  line.show("[2/3] quota…");
  // The shorter text is padded over what the previous one left on the line.
  EXPECT_EQ(out.str(), "\r[2/3] quota…" + std::string(8, ' '));
  out.str("");
  line.show("[3/3] rate_limited_burst…");
  EXPECT_EQ(out.str(), "\r[3/3] rate_limited_burst…");
  out.str("");
  line.clear();
  EXPECT_EQ(out.str(), "\r" + std::string(25, ' ') + "\r") << "erased to the last text's width";
  out.str("");
  line.clear();
  EXPECT_EQ(out.str(), "") << "nothing left to erase";
}

TEST(ProgressLine, SilentWhenNotATerminal) {
  std::ostringstream out;
  {
    ProgressLine line(out, /*is_terminal=*/false);
    EXPECT_FALSE(line.enabled());
    line.show("[1/40] founding_incident…");
    line.show("replay: 120000 lines, 37%");
    line.clear();
  }
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressLine, CutsLongTextAndShowsControlCharactersAsQuestionMarks) {
  std::ostringstream out;
  ProgressLine line(out, true, /*max_columns=*/10);
  line.show("a\x1b[2Jb\r\nc");  // a name from a file must not drive the terminal
  EXPECT_EQ(out.str(), "\ra?[2Jb??c");
  out.str("");
  line.show("ééééééééééééé");  // cut by characters, not bytes
  EXPECT_EQ(out.str(), "\réééééééééé");
}

TEST(ProgressLine, TheDestructorErasesTheLine) {
  std::ostringstream out;
  {
    ProgressLine line(out, true);
    line.show("abc");
  }
  EXPECT_EQ(out.str(), "\rabc\r   \r");
}

}  // namespace
}  // namespace keyward
