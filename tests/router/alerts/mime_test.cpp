// Composing mail: encoded-word subjects, one-line headers, base64 bodies.
#include "router/alerts/mime.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/utc_time.h"
#include "router/core/alert_messages.h"

namespace keyward::alerts {
namespace {

TEST(Base64, KnownVectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(HeaderValue, AsciiStaysPlainUtf8IsEncodedInShortWords) {
  EXPECT_EQ(encode_header_value("Hello"), "Hello");
  std::string v = encode_header_value("🚨 CRITICAL: All Groq Keys Failed! " + std::string(60, 'x'));
  EXPECT_EQ(v.rfind("=?UTF-8?B?", 0), 0u);
  size_t start = 0;
  while (start < v.size()) {
    size_t end = v.find("\r\n ", start);
    std::string word = v.substr(start, end == std::string::npos ? std::string::npos : end - start);
    EXPECT_LE(word.size(), 75u);
    start = end == std::string::npos ? v.size() : end + 3;
  }
}

// Not UTF-8 at all: a long run of continuation bytes has no boundary to cut
// at. It used to loop forever, appending empty encoded-words.
TEST(HeaderValue, StrayContinuationBytesStillEndInBoundedWords) {
  std::string v = encode_header_value(std::string(100, '\x80'));
  EXPECT_EQ(v.rfind("=?UTF-8?B?", 0), 0u);
  EXPECT_EQ(std::count(v.begin(), v.end(), '?'), 4 * 3);  // three words of at most 45 bytes
}

TEST(HeaderValue, LineBreaksCannotStartANewHeader) {
  EXPECT_EQ(encode_header_value("Invalid key\r\nBcc: x@y"), "Invalid key Bcc: x@y");
}

TEST(Date, Rfc5322) {
  WallTime t;
  parse_iso8601("2025-11-18T08:00:21Z", &t);
  EXPECT_EQ(rfc5322_date(t), "Tue, 18 Nov 2025 08:00:21 +0000");
}

TEST(ComposeMail, HeadersAndMultipartBody) {
  Alert a;
  a.id = "kw-0123456789abcdef";
  a.subject = "❌ Groq Key 1 Authentication Failed\r\nBcc: x@y";
  a.text = "line 1\n.\nline 3\n";
  a.html = "<p>x</p>";
  parse_iso8601("2025-11-18T08:00:21Z", &a.created_at);
  std::string m = compose_mail(a, {"Keyward Alerts <keyward@example.com>", {"ops@example.com", "Oncall <oc@example.com>"}});
  auto headers = m.substr(0, m.find("\r\n\r\n"));
  EXPECT_NE(headers.find("Message-ID: <kw-0123456789abcdef@keyward>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("To: ops@example.com, oc@example.com\r\n"), std::string::npos);
  EXPECT_NE(headers.find("From: Keyward Alerts <keyward@example.com>\r\n"), std::string::npos);
  EXPECT_NE(headers.find("Content-Type: multipart/alternative;"), std::string::npos);
  EXPECT_EQ(headers.find("\r\nBcc"), std::string::npos);
  EXPECT_EQ(bare_address("Oncall <oc@example.com>"), "oc@example.com");
}

}  // namespace
}  // namespace keyward::alerts
