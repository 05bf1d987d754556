// SMTP faults make libcurl fail the way a broken mail server would, and the
// message is not stored; clearing them restores delivery.
#include <gtest/gtest.h>

#include <thread>

#include "fakes/sinks/sinks.h"
#include "tests/fakes/sinks/sink_test_util.h"

namespace keyward::fakes {
namespace {

class SmtpFaults : public ::testing::Test {
 protected:
  SimClock clock{test::at(test::kScenarioMs)};
  SmtpSink sink{SmtpSinkOptions{}, clock};
  void SetUp() override { sink.start(); }
  test::MailResult send() {
    test::MailSend m;
    m.url = sink.url();
    m.payload = test::crlf("Subject: alert\n\nbody\n");
    return test::send_mail(m);
  }
  static SinkFault reply_at(SmtpStage stage, int code, int first = 0) {
    SinkFault f;
    f.kind = SinkFault::Kind::reply;
    f.stage = stage;
    f.code = code;
    f.first = first;
    return f;
  }
};

TEST_F(SmtpFaults, DownAnswers421AndCloses) {
  sink.set_fault(SinkFault::down());
  auto r = send();
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(r.smtp_code, 421) << r.error;
  EXPECT_EQ(sink.delivered_count(), 0u);
  auto j = sink.journal();
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j.back().status, 421);
  EXPECT_EQ(j.back().detail, "fault down");

  sink.clear_faults();
  EXPECT_EQ(send().code, CURLE_OK);
  EXPECT_EQ(sink.delivered_count(), 1u);
}

TEST_F(SmtpFaults, Reply451AtRcptFailsTheSend) {
  sink.set_fault(reply_at(SmtpStage::rcpt, 451));
  auto r = send();
  EXPECT_NE(r.code, CURLE_OK);
  EXPECT_EQ(r.smtp_code, 451) << r.error;
  EXPECT_TRUE(sink.messages().empty());
  sink.clear_faults();
  EXPECT_EQ(send().code, CURLE_OK) << "delivery resumes once the fault is cleared";
  EXPECT_EQ(sink.messages().size(), 1u);
}

TEST_F(SmtpFaults, ReplyAtEachStage) {
  for (auto [stage, code] : {std::pair{SmtpStage::connect, 554}, {SmtpStage::mail_from, 550},
                             {SmtpStage::data, 451}, {SmtpStage::data_end, 554}}) {
    sink.set_fault(reply_at(stage, code, 1));
    auto r = send();
    EXPECT_NE(r.code, CURLE_OK) << to_string(stage);
    EXPECT_EQ(r.smtp_code, code) << to_string(stage);
  }
  EXPECT_EQ(sink.delivered_count(), 0u);
  EXPECT_TRUE(sink.faults().empty()) << "first: 1 faults are spent after firing";
}

TEST_F(SmtpFaults, FirstNThenSucceeds) {
  sink.set_fault(reply_at(SmtpStage::mail_from, 451, 2));
  EXPECT_NE(send().code, CURLE_OK);
  EXPECT_NE(send().code, CURLE_OK);
  EXPECT_EQ(send().code, CURLE_OK);
  EXPECT_EQ(sink.delivered_count(), 1u);
}

TEST_F(SmtpFaults, SlowDelaysRepliesAndStopInterruptsIt) {
  sink.set_fault(SinkFault::slow(60'000));
  test::RawSmtp c(sink.port());  // the greeting now waits a minute
  auto t0 = std::chrono::steady_clock::now();
  std::thread stopper([&] { sink.stop(); });
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST_F(SmtpFaults, SlowDelayIsJournaled) {
  sink.set_fault(SinkFault::slow(20, 1));
  test::RawSmtp c(sink.port());
  EXPECT_EQ(c.code(), 220);
  auto j = sink.journal();
  ASSERT_FALSE(j.empty());
  EXPECT_GE(j.front().latency_ms, 20.0);
}

}  // namespace
}  // namespace keyward::fakes
