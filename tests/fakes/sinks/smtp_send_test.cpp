// Mail sent through libcurl — the client the router uses — arrives parsed.
#include <gtest/gtest.h>

#include "fakes/sinks/sinks.h"
#include "tests/fakes/sinks/sink_test_util.h"

namespace keyward::fakes {
namespace {

using test::crlf;
using test::send_mail;

class SmtpSend : public ::testing::Test {
 protected:
  SimClock clock{test::at(test::kScenarioMs)};
  SmtpSink sink{SmtpSinkOptions{}, clock};
  void SetUp() override { sink.start(); }
  test::MailSend mail(const std::string& payload) {
    test::MailSend m;
    m.url = sink.url();
    m.payload = crlf(payload);
    return m;
  }
};

TEST_F(SmtpSend, PlainMessageIsStoredWithEnvelopeAndHeaders) {
  auto r = send_mail(mail(
      "From: Keyward <keyward@example.com>\nTo: ops@example.com\nSubject: hello\n"
      "Message-ID: <1@keyward>\n\nline one\nline two\n"));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  auto msgs = sink.messages();
  ASSERT_EQ(msgs.size(), 1u);
  const auto& m = msgs[0];
  EXPECT_EQ(m.envelope_from, "keyward@example.com");
  EXPECT_EQ(m.envelope_to, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(m.from, "Keyward <keyward@example.com>");
  EXPECT_EQ(m.to, "ops@example.com");
  EXPECT_EQ(m.subject, "hello");
  EXPECT_EQ(m.message_id, "<1@keyward>");
  EXPECT_EQ(m.body, "line one\nline two");
  EXPECT_EQ(m.received, test::at(test::kScenarioMs));
  EXPECT_EQ(m.auth_user, "");
  EXPECT_EQ(sink.delivered_count(), 1u);
}

TEST_F(SmtpSend, AuthPlainRecordsTheUser) {
  auto m = mail("Subject: s\n\nbody\n");
  m.user = "alerts@example.com";
  m.password = "secret";
  auto r = send_mail(m);
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.messages()[0].auth_user, "alerts@example.com");
  for (auto& e : sink.journal()) EXPECT_EQ(e.detail.find("secret"), std::string::npos);
}

TEST_F(SmtpSend, AuthLoginRecordsTheUser) {
  auto m = mail("Subject: s\n\nbody\n");
  m.user = "login-user";
  m.password = "pw";
  m.login_options = "AUTH=LOGIN";
  auto r = send_mail(m);
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  ASSERT_EQ(sink.messages().size(), 1u);
  EXPECT_EQ(sink.messages()[0].auth_user, "login-user");
}

TEST_F(SmtpSend, Utf8SubjectInFoldedEncodedWordsArrivesDecoded) {
  // "❌ Groq Key 1 Authentication Failed" as two B encoded-words folded over
  // two lines plus a Q encoded From name, as mail libraries write them.
  auto r = send_mail(mail(
      "From: =?UTF-8?Q?Keyward_=E2=9C=85_Alerts?= <keyward@example.com>\n"
      "To: ops@example.com\n"
      "Subject: =?UTF-8?B?4p2MIEdyb3EgS2V5IDEg?=\n =?UTF-8?B?QXV0aGVudGljYXRpb24gRmFpbGVk?=\n"
      "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
      "Content-Transfer-Encoding: base64\n\n"
      "QVBJIEtleSBBdXRoZW50aWNhdGlvbiBGYWlsdXJlCkdyb3E=\n"));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  ASSERT_EQ(sink.messages().size(), 1u);
  const auto m = sink.messages()[0];
  EXPECT_EQ(m.subject, "❌ Groq Key 1 Authentication Failed");
  EXPECT_EQ(m.from, "Keyward ✅ Alerts <keyward@example.com>");
  EXPECT_EQ(m.body, "API Key Authentication Failure\nGroq");
}

TEST_F(SmtpSend, MultipleRecipients) {
  auto m = mail("Subject: s\n\nbody\n");
  m.to = {"<a@example.com>", "<b@example.com>", "<c@example.com>"};
  ASSERT_EQ(send_mail(m).code, CURLE_OK);
  EXPECT_EQ(sink.messages().at(0).envelope_to,
            (std::vector<std::string>{"a@example.com", "b@example.com", "c@example.com"}));
}

TEST_F(SmtpSend, LeadingDotsRoundTrip) {
  // curl dot-stuffs lines that start with "."; the sink must unstuff them.
  auto r = send_mail(mail("Subject: dots\n\n.hidden\n..two\n.\nend\n"));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  EXPECT_EQ(sink.messages().at(0).body, ".hidden\n..two\n.\nend");
}

TEST_F(SmtpSend, MultipartAlternativeKeepsTextAndHtml) {
  auto r = send_mail(mail(
      "Subject: =?utf-8?q?=F0=9F=9A=A8_EMERGENCY=3A_All_AI_Keys_Failed!?=\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"b1\"\n\n"
      "preamble\n"
      "--b1\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: quoted-printable\n\n"
      "Groq: 3/3 keys =E2=9D=8C, see https://console.groq.com/=\nkeys\n"
      "--b1\n"
      "Content-Type: text/html; charset=utf-8\n"
      "Content-Transfer-Encoding: base64\n\n"
      "PGI+R3JvcTwvYj4=\n"
      "--b1--\n"));
  ASSERT_EQ(r.code, CURLE_OK) << r.error;
  const auto m = sink.messages().at(0);
  EXPECT_EQ(m.subject, "🚨 EMERGENCY: All AI Keys Failed!");
  EXPECT_EQ(m.body, "Groq: 3/3 keys ❌, see https://console.groq.com/keys");
  EXPECT_EQ(m.html, "<b>Groq</b>");
  EXPECT_EQ(m.content_type.rfind("multipart/alternative", 0), 0u);
}

TEST_F(SmtpSend, MessagesAreBoundedButCounted) {
  SimClock clock2{test::at(0)};
  SmtpSinkOptions o;
  o.max_messages = 2;
  SmtpSink small(o, clock2);
  small.start();
  for (int i = 0; i < 3; ++i) {
    test::MailSend m;
    m.url = small.url();
    m.payload = crlf("Subject: n" + std::to_string(i) + "\n\nx\n");
    ASSERT_EQ(send_mail(m).code, CURLE_OK);
  }
  auto msgs = small.messages();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].subject, "n1");
  EXPECT_EQ(small.delivered_count(), 3u);
  small.clear();
  EXPECT_TRUE(small.messages().empty());
  EXPECT_EQ(small.delivered_count(), 0u);
}

}  // namespace
}  // namespace keyward::fakes
