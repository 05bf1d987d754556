#include "base/durations.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, ReadsKeywardsUnits) {
  Millis d{};
  ASSERT_TRUE(parse_duration("250ms", &d));
  EXPECT_EQ(d, milliseconds(250));
  ASSERT_TRUE(parse_duration("1h30m", &d));
  EXPECT_EQ(d, minutes(90));
  ASSERT_TRUE(parse_duration("2d", &d));
  EXPECT_EQ(d, hours(48));
  d = Millis(7);
  for (const char* bad : {"", "5", "-5s", "1.5s", "5 s", "5w", "999999999999d", "9999999999999s"})
    EXPECT_FALSE(parse_duration(bad, &d)) << bad;
  EXPECT_EQ(d, Millis(7)) << "untouched";
}

TEST(HumanDuration, ReadsLikeASentence) {
  EXPECT_EQ(human_duration(minutes(5)), "5 minutes");
  EXPECT_EQ(human_duration(seconds(1)), "1 second");
  EXPECT_EQ(human_duration(minutes(15) + seconds(8)), "15 minutes");
  EXPECT_EQ(human_duration(minutes(2) + seconds(8)), "2 minutes 8 seconds");
  EXPECT_EQ(human_duration(hours(2) + minutes(5)), "2 hours 5 minutes");
  EXPECT_EQ(human_duration(-seconds(3)), "0 seconds");
}

TEST(GoDuration, FormatsAsGroqPrintsIt) {
  EXPECT_EQ(format_go_duration(milliseconds(179560)), "2m59.56s");
  EXPECT_EQ(format_go_duration(milliseconds(7660)), "7.66s");
  EXPECT_EQ(format_go_duration(milliseconds(7500)), "7.5s");
  EXPECT_EQ(format_go_duration(milliseconds(2000)), "2s");
  EXPECT_EQ(format_go_duration(milliseconds(3723000)), "1h2m3s");
  EXPECT_EQ(format_go_duration(milliseconds(0)), "0s");
}

TEST(GoDuration, ParsesWhatProvidersSend) {
  EXPECT_EQ(parse_go_duration("6m7.2s")->count(), 367200);
  EXPECT_EQ(parse_go_duration("450ms")->count(), 450);
  EXPECT_EQ(parse_go_duration("1h2m")->count(), 3720000);
  EXPECT_EQ(parse_go_duration("1500us")->count(), 2);  // rounded up
  EXPECT_EQ(parse_go_duration("2\xC2\xB5s")->count(), 1);
  EXPECT_FALSE(parse_go_duration("soon").has_value());
  EXPECT_FALSE(parse_go_duration("").has_value());
  EXPECT_FALSE(parse_go_duration("5").has_value());
  EXPECT_FALSE(parse_go_duration("99999999999h").has_value());
  for (int64_t ms : {0, 10, 7660, 179560, 3723000}) {
    EXPECT_EQ(parse_go_duration(format_go_duration(Millis(ms)))->count(), ms) << ms;
  }
}

}  // namespace
}  // namespace keyward
