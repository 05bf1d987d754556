// The journal holds users' prompts: GET /api/journal needs the admin token,
// and journal.record_messages: false keeps prompt text out of it altogether
// (issue 18, item 7).
#include <gtest/gtest.h>

#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

httplib::Result get_journal(const Harness& h, const std::string& token) {
  auto c = h.client();
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return c.Get("/api/journal?limit=100", headers);
}

TEST(JournalPrivacy, ApiJournalNeedsTheAdminToken) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.admin_token = "tok-1";
  h.start_service(std::move(o));
  ASSERT_TRUE(h.chat("my secret prompt"));
  auto anonymous = get_journal(h, "");
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->body.find("my secret prompt"), std::string::npos);
  EXPECT_EQ(get_journal(h, "wrong")->status, 401);
  auto admin = get_journal(h, "tok-1");
  ASSERT_EQ(admin->status, 200);
  EXPECT_NE(admin->body.find("my secret prompt"), std::string::npos);
}

TEST(JournalPrivacy, WithoutAnAdminTokenTheJournalRouteIsOff) {
  Harness h;
  h.start_world(kThreeProviders);
  h.start_service(h.options(kFoundingEnv));
  EXPECT_EQ(get_journal(h, "")->status, 403);
}

TEST(JournalPrivacy, RecordMessagesOffKeepsPromptTextOutOfTheJournal) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.admin_token = "tok-1";
  o.journal_record_messages = false;
  h.start_service(std::move(o));
  ASSERT_TRUE(h.chat("my secret prompt"));
  ASSERT_TRUE(h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"another secret"}]})"));
  auto admin = get_journal(h, "tok-1");
  ASSERT_EQ(admin->status, 200);
  EXPECT_EQ(admin->body.find("my secret prompt"), std::string::npos);
  EXPECT_EQ(admin->body.find("another secret"), std::string::npos);
  EXPECT_NE(admin->body.find(R"("content_bytes":16)"), std::string::npos) << "the size, not the text";
}

TEST(AdminToken, ASwapRefusesTheOldTokenAndAcceptsTheNewOne) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.admin_token = "old-token";
  h.start_service(std::move(o));
  EXPECT_EQ(get_journal(h, "old-token")->status, 200);
  h.service->set_admin_token("new-token");
  EXPECT_EQ(get_journal(h, "old-token")->status, 401);
  EXPECT_EQ(get_journal(h, "new-token")->status, 200);
  h.service->set_admin_token("");
  EXPECT_EQ(get_journal(h, "new-token")->status, 403) << "no token in .env: the admin API is off";
}

}  // namespace
}  // namespace keyward::http::test
