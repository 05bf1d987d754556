#include "router/core/env_file.h"

#include <gtest/gtest.h>

#include "tests/router/core/fixtures.h"

namespace keyward {
namespace {

TEST(EnvFile, ParsesCommentsQuotesExportAndCrlf) {
  auto r = parse_env(
      "# keys\r\n"
      "\r\n"
      "export GROQ_API_KEY_1=sk-one\r\n"
      "GROQ_API_KEY_2=\"sk two\" # quoted\r\n"
      "GEMINI_API_KEY_1='AIza-x#y'\n"
      "MISTRAL_API_KEY_1=msk-1 # inline comment\n"
      "ESCAPED=\"a\\\"b\\nc\"\n",
      ".env");
  EXPECT_TRUE(r.diagnostics.empty()) << r.diagnostics[0].to_string();
  EXPECT_EQ(r.entries["GROQ_API_KEY_1"].value, "sk-one");
  EXPECT_EQ(r.entries["GROQ_API_KEY_2"].value, "sk two");
  EXPECT_EQ(r.entries["GEMINI_API_KEY_1"].value, "AIza-x#y");
  EXPECT_EQ(r.entries["MISTRAL_API_KEY_1"].value, "msk-1");
  EXPECT_EQ(r.entries["ESCAPED"].value, "a\"b\nc");
  EXPECT_EQ(r.entries["GROQ_API_KEY_2"].line, 4);
}

TEST(EnvFile, MalformedLinesAreReportedWithLineNumbersAndSkipped) {
  auto r = parse_env(
      "GROQ_API_KEY_1=sk-good\n"
      "this is not an assignment\n"
      "1BAD=x\n"
      "GROQ_API_KEY_2=\"unterminated\n"
      "GROQ_API_KEY_3=sk-three\n",
      "prod.env");
  ASSERT_EQ(r.diagnostics.size(), 3u);
  EXPECT_EQ(r.diagnostics[0].to_string(), "prod.env:2: expected NAME=value, found no '='");
  EXPECT_EQ(r.diagnostics[1].line, 3);
  EXPECT_NE(r.diagnostics[1].message.find("not a valid variable name"), std::string::npos);
  EXPECT_EQ(r.diagnostics[2].line, 4);
  EXPECT_NE(r.diagnostics[2].message.find("unterminated double quote"), std::string::npos);
  EXPECT_EQ(r.entries.size(), 2u);
  EXPECT_EQ(r.entries["GROQ_API_KEY_3"].value, "sk-three");
}

TEST(EnvFile, GarbageNeverCrashes) {
  std::string garbage;
  for (int i = 0; i < 2000; ++i) garbage.push_back(static_cast<char>((i * 7919) % 256));
  auto r = parse_env(garbage, ".env");
  EXPECT_FALSE(r.diagnostics.empty());
}

TEST(ApplyEnv, LoadsKeysInNumberOrderWithExpiryAndOverrides) {
  RouterConfig c = default_config();
  auto dotenv = parse_env(
      "GROQ_API_KEY_2=sk-b\nGROQ_API_KEY_1=sk-a\nGROQ_API_KEY_1_EXPIRES=2026-01-31\n"
      "GROQ_BASE_URL=http://127.0.0.1:9101/openai/v1\nGEMINI_MODEL=gemini-2.0-flash\n",
      ".env");
  auto diags = apply_env(c, dotenv.entries, {});
  EXPECT_TRUE(diags.empty());
  const auto* groq = c.find("groq");
  ASSERT_EQ(groq->keys.size(), 2u);
  EXPECT_EQ(groq->keys[0].index, 1);
  EXPECT_EQ(groq->keys[0].secret, "sk-a");
  ASSERT_TRUE(groq->keys[0].expires.has_value());
  EXPECT_EQ(format_iso8601(*groq->keys[0].expires), "2026-01-31T00:00:00Z");
  EXPECT_EQ(groq->base_url, "http://127.0.0.1:9101/openai/v1");
  EXPECT_EQ(c.find("gemini")->model, "gemini-2.0-flash");
  EXPECT_TRUE(c.find("mistral")->keys.empty());
}

TEST(ApplyEnv, ProcessEnvironmentWinsOverDotEnv) {
  RouterConfig c = default_config();
  auto dotenv = parse_env("GROQ_API_KEY_1=from-file\n", ".env").entries;
  EnvMap process{{"GROQ_API_KEY_1", {"from-process", "environment", 0}}};
  apply_env(c, dotenv, process);
  EXPECT_EQ(c.find("groq")->keys[0].secret, "from-process");
}

TEST(ApplyEnv, ReportsGapsEmptyKeysAndBadDates) {
  RouterConfig c = default_config();
  auto dotenv = parse_env(
      "GROQ_API_KEY_1=sk-a\nGROQ_API_KEY_4=sk-d\nGEMINI_API_KEY_1=\nMISTRAL_API_KEY_1=m\n"
      "MISTRAL_API_KEY_1_EXPIRES=next week\n",
      ".env");
  auto diags = apply_env(c, dotenv.entries, {});
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_EQ(diags[0].to_string(), ".env:2: GROQ_API_KEY_4: numbering has a gap (GROQ_API_KEY_2..3 missing)");
  EXPECT_EQ(diags[1].to_string(), ".env:3: GEMINI_API_KEY_1 is empty; key skipped");
  EXPECT_EQ(diags[2].line, 5);
  // Keys keep their env number so "Groq Key 4" stays key 4 in alerts.
  EXPECT_EQ(c.find("groq")->keys[1].index, 4);
  EXPECT_TRUE(c.find("gemini")->keys.empty());
}

}  // namespace
}  // namespace keyward
