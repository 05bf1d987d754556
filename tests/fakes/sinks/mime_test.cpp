// MIME decoding pieces and Telegram entity checks, without sockets.
#include <gtest/gtest.h>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes::sinks_detail {
namespace {

TEST(Mime, EncodedWords) {
  EXPECT_EQ(decode_rfc2047("=?UTF-8?B?4p2MIEdyb3E=?= =?UTF-8?Q?_Key_1?= ok"), "❌ Groq Key 1 ok");
  EXPECT_EQ(decode_rfc2047("plain  text"), "plain  text");
  EXPECT_EQ(decode_rfc2047("=?iso-8859-1?q?caf=E9?="), "café");
  EXPECT_EQ(decode_rfc2047("broken =?UTF-8?X?abc?= word"), "broken =?UTF-8?X?abc?= word");
}

TEST(Mime, TransferEncodings) {
  EXPECT_EQ(base64_decode(base64_encode("any\0bytes\xff")), std::string("any\0bytes\xff"));
  EXPECT_EQ(quoted_printable_decode("a=3Db=\r\nc =E2=9D=8C"), "a=bc ❌");
}

TEST(Mime, HtmlOnlyMessageUsesTheHtmlAsBody) {
  MailMessage m;
  m.raw = "Subject: x\r\nContent-Type: text/html\r\n\r\n<p>Groq</p>\r\n";
  parse_mail(m);
  EXPECT_EQ(m.html, "<p>Groq</p>");
  EXPECT_EQ(m.body, "<p>Groq</p>");
}

TEST(TelegramEntities, Html) {
  std::string plain;
  EXPECT_FALSE(check_html_entities("<b>a</b> &lt;b&gt; <a href=\"https://x\">l</a>", plain));
  EXPECT_EQ(plain, "a <b> l");
  EXPECT_EQ(*check_html_entities("<foo>x</foo>", plain), "Unsupported start tag \"foo\" at byte offset 0");
  EXPECT_EQ(*check_html_entities("<b>x", plain), "Can't find end tag corresponding to start tag \"b\"");
  EXPECT_TRUE(check_html_entities("<b>x</i>", plain));
  EXPECT_TRUE(check_html_entities("a & b", plain));
}

TEST(TelegramEntities, MarkdownV2) {
  std::string plain;
  EXPECT_FALSE(check_markdown_v2_entities("*b* _i_ __u__ ~s~ ||sp|| `c.d` [t](https://x.y/\\)) \\!", plain));
  EXPECT_EQ(plain, "b i u s sp c.d t !");
  EXPECT_EQ(*check_markdown_v2_entities("1-2", plain),
            "Character '-' is reserved and must be escaped with the preceding '\\'");
  EXPECT_EQ(*check_markdown_v2_entities("*open", plain), "Can't find end of Bold entity at byte offset 0");
}

}  // namespace
}  // namespace keyward::fakes::sinks_detail
