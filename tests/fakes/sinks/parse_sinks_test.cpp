// The world file's sinks section: defaults, faults, strict errors.
#include <gtest/gtest.h>

#include "fakes/sinks/sinks.h"

namespace keyward::fakes {
namespace {

SinksOptions parse(const std::string& yaml) {
  auto root = YAML::Load(yaml);
  return parse_sinks(YamlField{root["sinks"], "world.yaml", "sinks"});
}

std::string error_of(const std::string& yaml) {
  try {
    parse(yaml);
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ParseSinks, ShapesAndDefaults) {
  auto o = parse(
      "sinks:\n"
      "  smtp: {listen: 127.0.0.1:0}\n"
      "  telegram: {listen: 127.0.0.1:0, token: \"123:ABC\"}\n"
      "  webhook: {}\n");
  ASSERT_TRUE(o.smtp && o.telegram && o.webhook);
  EXPECT_EQ(o.telegram->token, "123:ABC");
  EXPECT_EQ(o.webhook->listen, "127.0.0.1:0");
  EXPECT_EQ(o.webhook->path, "/hook");
  auto only_smtp = parse("sinks: {smtp: }\n");
  EXPECT_TRUE(only_smtp.smtp);
  EXPECT_FALSE(only_smtp.telegram);
}

TEST(ParseSinks, Faults) {
  auto o = parse(
      "sinks:\n"
      "  smtp:\n"
      "    faults:\n"
      "      - {kind: reply, stage: rcpt, code: 451, first: 2}\n"
      "      - {kind: slow, delay_ms: 100}\n"
      "  webhook: {faults: [{kind: status, status: 503}, {kind: down}]}\n");
  ASSERT_EQ(o.smtp->faults.size(), 2u);
  EXPECT_EQ(o.smtp->faults[0].kind, SinkFault::Kind::reply);
  EXPECT_EQ(o.smtp->faults[0].stage, SmtpStage::rcpt);
  EXPECT_EQ(o.smtp->faults[0].code, 451);
  EXPECT_EQ(o.smtp->faults[0].first, 2);
  EXPECT_EQ(o.smtp->faults[1].delay_ms, 100);
  ASSERT_EQ(o.webhook->faults.size(), 2u);
  EXPECT_EQ(o.webhook->faults[0].status, 503);
  EXPECT_EQ(o.webhook->faults[1].kind, SinkFault::Kind::down);
}

TEST(ParseSinks, ErrorsNameFileLineAndPath) {
  EXPECT_EQ(error_of("sinks:\n  smtp: {}\n  pager: {}\n"),
            "world.yaml:3: sinks.pager: unknown field 'pager'");
  EXPECT_EQ(error_of("sinks:\n  telegram:\n    listen: 127.0.0.1:0\n    tokn: x\n"),
            "world.yaml:4: sinks.telegram.tokn: unknown field 'tokn'");
  EXPECT_EQ(error_of("sinks:\n  smtp: {listen: nowhere}\n"),
            "world.yaml:2: sinks.smtp.listen: expected host:port, e.g. 127.0.0.1:0");
  EXPECT_EQ(error_of("sinks:\n  smtp:\n    faults:\n      - {kind: reply, stage: helo_there, code: 451}\n"),
            "world.yaml:4: sinks.smtp.faults[0].stage: expected one of "
            "connect|helo|auth|mail_from|rcpt|data|data_end");
  EXPECT_EQ(error_of("sinks:\n  smtp:\n    faults: [{kind: status, status: 503}]\n"),
            "world.yaml:3: sinks.smtp.faults[0].kind: 'status' is for HTTP sinks; the SMTP sink "
            "uses 'reply' with stage and code");
  EXPECT_EQ(error_of("sinks:\n  webhook: {faults: [{kind: slow, delay_ms: soon}]}\n"),
            "world.yaml:2: sinks.webhook.faults[0].delay_ms: expected an integer");
  EXPECT_EQ(error_of("sinks:\n  telegram: {token: nope}\n"),
            "world.yaml:2: sinks.telegram.token: expected a bot token like \"123456:ABC-def\" (or \"\" for any)");
  EXPECT_EQ(error_of("sinks: [smtp]\n"), "world.yaml:1: sinks: expected a mapping");
}

}  // namespace
}  // namespace keyward::fakes
