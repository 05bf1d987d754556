// The admin token rotates on reload, with the keys (issue 18, item 7): a new
// KEYWARD_ADMIN_TOKEN in .env plus a reload (SIGHUP, POST /admin/reload) and
// the old token is refused, the new one works, no restart.
#include <gtest/gtest.h>

#include "tests/router/main/app_test_world.h"

namespace keyward {
namespace {

TEST(AdminTokenReload, ReloadFromSourceSwapsTheTokenWithTheKeys) {
  test::AppWorld w;
  std::string env = std::string(test::kFoundingEnvText) + "KEYWARD_ADMIN_TOKEN=old-token-111\n";
  auto o = w.options(env);
  RouterConfig config = o.config;
  // What SIGHUP and POST /admin/reload read: the edited .env.
  o.reload_source = [&](RouterConfig* out, EnvMap* env_out, std::string*) {
    *env_out = parse_env(env, ".env").entries;
    *out = config;
    apply_env(*out, *env_out, {});
    return true;
  };
  App app(std::move(o));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  EXPECT_EQ(test::http_get(app, "/api/journal", "old-token-111")->status, 200);

  env = std::string(test::kFoundingEnvText) + "KEYWARD_ADMIN_TOKEN=new-token-222\n";
  httplib::Client c("127.0.0.1", app.service().port());
  auto r = c.Post("/admin/reload", {{"Authorization", "Bearer old-token-111"}}, "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(test::http_get(app, "/api/journal", "old-token-111")->status, 401) << "the old token is refused";
  EXPECT_EQ(test::http_get(app, "/api/journal", "new-token-222")->status, 200) << "the new one works";
  EXPECT_TRUE(w.logged("INFO: Admin token rotated"));
  EXPECT_FALSE(w.logged("INFO: Admin token rotated: new-token"));  // never the token itself
  app.stop();
}

TEST(AdminTokenReload, AppReloadOfAnEditedEnvSwapsTheToken) {
  test::AppWorld w;
  App app(w.options(std::string(test::kFoundingEnvText) + "KEYWARD_ADMIN_TOKEN=old-token-111\n"));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  std::string summary;
  ASSERT_TRUE(
      app.reload(parse_env(std::string(test::kFoundingEnvText) + "KEYWARD_ADMIN_TOKEN=new-token-222\n", ".env").entries,
                 &summary));
  EXPECT_EQ(test::http_get(app, "/api/journal", "old-token-111")->status, 401);
  EXPECT_EQ(test::http_get(app, "/api/journal", "new-token-222")->status, 200);
  app.stop();
}

TEST(JournalSettings, RecordMessagesFalseInKeywardYamlKeepsPromptsOutOfTheJournal) {
  test::AppWorld w;
  auto o = w.options(std::string(test::kFoundingEnvText) + "KEYWARD_ADMIN_TOKEN=tok\n");
  o.config_yaml = "journal:\n  record_messages: false\n";
  o.journal_path = (w.dir / "journal.jsonl").string();
  App app(std::move(o));
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  ASSERT_TRUE(test::http_chat(app, "a private question"));
  auto r = test::http_get(app, "/api/journal", "tok");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->body.find("a private question"), std::string::npos);
  EXPECT_NE(r->body.find(R"("content_bytes":18)"), std::string::npos) << r->body;
  app.stop();
}

TEST(JournalSettings, ABadValueNamesTheFileAndField) {
  test::AppWorld w;
  auto o = w.options();
  o.config_yaml = "journal:\n  record_messages: perhaps\n";
  App app(std::move(o));
  std::string error;
  EXPECT_FALSE(app.start(&error));
  EXPECT_NE(error.find("journal.record_messages"), std::string::npos) << error;
}

}  // namespace
}  // namespace keyward
