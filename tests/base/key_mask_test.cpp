// The one masking rule (base/key_mask.h), every length band of it.
#include "base/key_mask.h"

#include <gtest/gtest.h>

namespace keyward {
namespace {

TEST(MaskKey, LongKeysShowEightAndThree) {
  EXPECT_EQ(mask_key("sk-proj-EXPIRED-AAA"), "sk-proj-...AAA");
  EXPECT_EQ(mask_key("AIza-EXPIRED-XXX"), "AIza-EXP...XXX");  // exactly 16
  EXPECT_EQ(mask_key("AIzaSyA1234567890abcdefXYZ"), "AIzaSyA1...XYZ");
}

TEST(MaskKey, MediumKeysShowTwoAndTwo) {
  EXPECT_EQ(mask_key("msk-12345"), "ms...45");
  EXPECT_EQ(mask_key("short-key"), "sh...ey");
  EXPECT_EQ(mask_key("12345678"), "12...78");         // exactly 8
  EXPECT_EQ(mask_key("123456789012345"), "12...45");  // 15
}

TEST(MaskKey, ShortKeysShowNothing) {
  EXPECT_EQ(mask_key("abc"), "***");
  EXPECT_EQ(mask_key("1234567"), "***");
  EXPECT_EQ(mask_key(""), "");
}

TEST(MaskKey, ShowsAtMostElevenCharactersAndStaysPrintable) {
  for (std::string key : {"a", "abcdefgh", "abcdefghijklmnop", "sk-proj-0123456789abcdefghijklmnopqrstuvwxyz"}) {
    std::string m = mask_key(key);
    EXPECT_LE(m.size(), 14u) << key << " -> " << m;
    EXPECT_EQ(m.find(key), std::string::npos) << key << " -> " << m;
  }
  EXPECT_EQ(mask_key("sk-\xC3\xA9\x01-0123456789-\xFF"), "sk-?\?\?-0...9-?");
}

TEST(KeyFingerprint, IsStableShortAndDistinct) {
  EXPECT_EQ(key_fingerprint("sk-proj-EXPIRED-AAA"), "39399540");
  EXPECT_NE(key_fingerprint("sk-proj-EXPIRED-AAA"), key_fingerprint("sk-proj-EXPIRED-AAB"));
  EXPECT_EQ(key_fingerprint("x").size(), 8u);
}

}  // namespace
}  // namespace keyward
