// SMTP dialogue corners, over a raw socket: command order, RSET, unknown
// commands, bounds.
#include <gtest/gtest.h>

#include "fakes/sinks/sinks.h"
#include "tests/fakes/sinks/sink_test_util.h"

namespace keyward::fakes {
namespace {

using test::RawSmtp;

class SmtpProtocol : public ::testing::Test {
 protected:
  SimClock clock{test::at(test::kScenarioMs)};
  SmtpSinkOptions options() {
    SmtpSinkOptions o;
    o.max_message_bytes = 2048;
    return o;
  }
  SmtpSink sink{options(), clock};
  void SetUp() override { sink.start(); }
};

TEST_F(SmtpProtocol, EhloAdvertisesAuthSizeAnd8bitmime) {
  RawSmtp c(sink.port());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.code(), 220);
  c.send("EHLO client.test\r\n");
  auto r = c.reply();
  EXPECT_NE(r.find("250-AUTH PLAIN LOGIN"), std::string::npos) << r;
  EXPECT_NE(r.find("8BITMIME"), std::string::npos);
  EXPECT_NE(r.find("SIZE 2048"), std::string::npos);
  EXPECT_EQ(c.cmd("HELO client.test"), 250);
  EXPECT_EQ(c.cmd("NOOP"), 250);
  EXPECT_EQ(c.cmd("QUIT"), 221);
}

TEST_F(SmtpProtocol, CommandOrderIsEnforced) {
  RawSmtp c(sink.port());
  EXPECT_EQ(c.code(), 220);
  EXPECT_EQ(c.cmd("MAIL FROM:<a@b>"), 503);  // before EHLO
  EXPECT_EQ(c.cmd("EHLO x") , 250);
  EXPECT_EQ(c.cmd("RCPT TO:<a@b>"), 503);    // before MAIL
  EXPECT_EQ(c.cmd("DATA"), 503);
  EXPECT_EQ(c.cmd("MAIL FROM:a@b"), 501);    // no angle brackets
  EXPECT_EQ(c.cmd("MAIL FROM:<a@b>"), 250);
  EXPECT_EQ(c.cmd("MAIL FROM:<a@b>"), 503);  // nested
  EXPECT_EQ(c.cmd("DATA"), 554);             // no recipients
}

TEST_F(SmtpProtocol, RsetDropsTheTransaction) {
  RawSmtp c(sink.port());
  c.code();
  c.cmd("EHLO x");
  EXPECT_EQ(c.cmd("MAIL FROM:<first@example.com>"), 250);
  EXPECT_EQ(c.cmd("RCPT TO:<dropped@example.com>"), 250);
  EXPECT_EQ(c.cmd("RSET"), 250);
  EXPECT_EQ(c.cmd("RCPT TO:<x@example.com>"), 503);
  EXPECT_EQ(c.cmd("MAIL FROM:<second@example.com>"), 250);
  EXPECT_EQ(c.cmd("RCPT TO:<kept@example.com>"), 250);
  EXPECT_EQ(c.cmd("DATA"), 354);
  EXPECT_EQ(c.cmd("Subject: after rset\r\n\r\n..dot\r\n."), 250);
  auto m = sink.messages().at(0);
  EXPECT_EQ(m.envelope_from, "second@example.com");
  EXPECT_EQ(m.envelope_to, std::vector<std::string>{"kept@example.com"});
  EXPECT_EQ(m.body, ".dot");
}

TEST_F(SmtpProtocol, UnknownAndUnimplementedCommands) {
  RawSmtp c(sink.port());
  c.code();
  EXPECT_EQ(c.cmd("FROBNICATE"), 500);
  EXPECT_EQ(c.cmd("STARTTLS"), 502);
  EXPECT_EQ(c.cmd("EHLO"), 501);
  EXPECT_EQ(c.cmd("EHLO x"), 250);
  EXPECT_EQ(c.cmd("AUTH CRAM-MD5"), 504);
  EXPECT_EQ(c.cmd("AUTH PLAIN"), 334);
  EXPECT_EQ(c.cmd("*"), 501);  // cancelled
}

TEST_F(SmtpProtocol, OverlongLineIsRefusedAndTheSessionGoesOn) {
  RawSmtp c(sink.port());
  c.code();
  EXPECT_EQ(c.cmd("NOOP " + std::string(10000, 'x')), 500);
  EXPECT_EQ(c.cmd("NOOP"), 250);
}

TEST_F(SmtpProtocol, OversizeMessageGets552AndIsNotStored) {
  test::MailSend m;
  m.url = sink.url();
  m.payload = test::crlf("Subject: big\n\n" + std::string(3000, 'a') + "\n");
  // curl declares SIZE= in MAIL FROM; the sink refuses it there.
  auto r = test::send_mail(m);
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(r.smtp_code, 552) << r.error;

  // Without a declared size the data is read to the end, then refused.
  RawSmtp c(sink.port());
  c.code();
  c.cmd("EHLO x");
  c.cmd("MAIL FROM:<a@b>");
  c.cmd("RCPT TO:<c@d>");
  EXPECT_EQ(c.cmd("DATA"), 354);
  std::string data;
  for (int i = 0; i < 100; ++i) data += std::string(70, 'b') + "\r\n";
  c.send(data);
  EXPECT_EQ(c.cmd("."), 552);
  EXPECT_EQ(c.cmd("NOOP"), 250);
  EXPECT_TRUE(sink.messages().empty());
}

TEST_F(SmtpProtocol, StopIsPromptWithAnIdleClientConnected) {
  RawSmtp c(sink.port());
  EXPECT_EQ(c.code(), 220);
  auto t0 = std::chrono::steady_clock::now();
  sink.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
  EXPECT_EQ(c.reply(), "");  // the connection was closed
}

}  // namespace
}  // namespace keyward::fakes
