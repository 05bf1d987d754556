// Escaping untrusted text: HTML (attribute-safe and text-only), XML, ASCII,
// and JSON strings byte for byte as nlohmann writes them.
#include "base/escape.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace keyward {
namespace {

using nlohmann::json;

std::string nl_dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string escaped(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(HtmlEscape, EscapesAllFiveForAttributes) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  EXPECT_EQ(html_escape("plain"), "plain");
}

TEST(HtmlEscape, TextOnlyKeepsQuotesReadable) {
  // Telegram's parse_mode HTML and Slack's mrkdwn decode only &, < and >.
  EXPECT_EQ(html_text_escape("<b>&\"'"), "&lt;b&gt;&amp;\"'");
}

TEST(XmlEscape, ReplacesControlCharactersXmlForbids) {
  EXPECT_EQ(xml_escape("a\x01"
                       "b\tc\nd\re\x1f<'\""),
            "a?b\tc\nd\re?&lt;&#39;&quot;");
}

TEST(PrometheusLabel, EscapesBackslashQuoteAndNewline) {
  EXPECT_EQ(prometheus_label_escape("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(prometheus_label_escape("groq"), "groq");
}

TEST(PrintableAscii, ReplacesEverythingElse) { EXPECT_EQ(printable_ascii("caf\xC3\xA9 \x7f\t~"), "caf?? ??~"); }

TEST(JsonString, EscapesLikeNlohmann) {
  const std::vector<std::string> cases = {
      "",
      "plain text",
      "quote \" backslash \\ slash /",
      std::string("nul \0 byte", 10),
      "\b\f\n\r\t",
      "\x01\x1f\x7f",
      "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",  // 2, 3 and 4 byte sequences
      "\x80",                                       // lone continuation byte
      "\xC0\x80",                                   // overlong NUL
      "\xC1\xBF",                                   // overlong
      "\xE0\x80\x80",                               // overlong 3-byte
      "\xE0\xA0\x80",                               // smallest valid 3-byte
      "\xED\xA0\x80",                               // surrogate
      "\xED\x9F\xBF",                               // last before the surrogates
      "\xF0\x80\x80\x80",                           // overlong 4-byte
      "\xF4\x8F\xBF\xBF",                           // U+10FFFF
      "\xF4\x90\x80\x80",                           // above U+10FFFF
      "\xF5\x80",                                   // never a lead byte
      "\xFF\xFE",
      "end \xE2\x82",              // truncated by the end
      "mid \xE2\x82 ascii",        // truncated, then ASCII: re-read
      "mid \xF0\x9F\x98\xC3\xA9",  // truncated, then a valid sequence
      "\xE2\x82\xE2\x82\xAC",
  };
  for (const auto& s : cases)
    EXPECT_EQ(escaped(s), nl_dump(json(s))) << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
}

TEST(JsonString, RandomBytesEscapeLikeNlohmann) {
  // Bytes drawn mostly from the interesting ranges: ASCII, controls, lead and
  // continuation bytes, the edges of Table 3-7.
  const unsigned char pool[] = {'a',  'Z',  ' ',  '"',  '\\', '/',  0x00, 0x08, 0x0A, 0x1F, 0x7F,
                                0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
                                0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF};
  std::mt19937 rng(7);
  std::uniform_int_distribution<size_t> len(0, 12), pick(0, sizeof pool - 1);
  for (int n = 0; n < 100'000; ++n) {
    std::string s;
    for (size_t k = len(rng); k > 0; --k) s.push_back(static_cast<char>(pool[pick(rng)]));
    ASSERT_EQ(escaped(s), nl_dump(json(s)))
        << "case " << n << ": " << json(s).dump(-1, ' ', true, json::error_handler_t::replace);
  }
}

}  // namespace
}  // namespace keyward
