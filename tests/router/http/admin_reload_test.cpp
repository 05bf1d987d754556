// Admin routes (bearer token, constant-time compare) and reload: new keys are
// validated, swapped in atomically, and leave quarantine at once.
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

httplib::Result admin_post(const Harness& h, const std::string& path, const std::string& token) {
  auto c = h.client();
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  return c.Post(path, headers, "", "application/json");
}

TEST(Admin, WithoutAConfiguredTokenTheAdminApiIsDisabled) {
  Harness h;
  h.start_world(kThreeProviders);
  h.start_service(h.options(kFoundingEnv));
  auto r = admin_post(h, "/admin/reload", "anything");
  EXPECT_EQ(r->status, 403);
  EXPECT_NE(r->body.find("admin API disabled"), std::string::npos);
}

TEST(Admin, WrongTokenIs401AndTheRightOneWorks) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGROQ_API_KEY_2=sk-proj-EXPIRED-BBB\n");
  o.admin_token = "s3cret-admin-token";
  h.start_service(std::move(o));
  EXPECT_EQ(admin_post(h, "/admin/keys/test", "")->status, 401);
  EXPECT_EQ(admin_post(h, "/admin/keys/test", "s3cret-admin-tokeX")->status, 401);
  EXPECT_EQ(admin_post(h, "/admin/keys/test", "s3cret-admin-token-longer")->status, 401);
  auto r = admin_post(h, "/admin/keys/test", "s3cret-admin-token");
  ASSERT_EQ(r->status, 200);
  auto j = body_json(r);
  EXPECT_EQ(j["ok"], 1);
  EXPECT_EQ(j["total"], 2);
  EXPECT_EQ(j["keys"][1]["class"], "auth");
  EXPECT_EQ(j["keys"][1]["masked"], "sk-proj-...BBB");
}

TEST(Reload, NewKeysAreValidatedAndLeaveQuarantineAtOnce) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-NEW-AAA-0123: valid}}
)");
  auto base = h.config();
  auto o = h.options("GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\n", base);
  o.admin_token = "tok";
  std::string env_now = "GROQ_API_KEY_1=sk-proj-NEW-AAA-0123\n";
  o.load_config = [&](RouterConfig* out, std::string*) {
    *out = base;
    apply_env(*out, parse_env(env_now, ".env").entries, {});
    return true;
  };
  h.start_service(std::move(o));
  EXPECT_EQ(h.chat("hello")->status, 503);  // the only key is quarantined

  // The operator updates .env and reloads: the new key validates, serves at once.
  auto r = admin_post(h, "/admin/reload", "tok");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(body_json(r)["summary"].get<std::string>().find("1 ok"), std::string::npos);
  EXPECT_TRUE(h.logged("INFO: ✓ Groq Key 1 credentials validated successfully"));
  auto ok = h.chat("hello");
  ASSERT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(body_json(ok)["key_id"], 1);
  auto s = body_json(h.get("/api/status"));
  EXPECT_EQ(s["providers"][0]["keys"][0]["masked"], "sk-proj-...123");
  EXPECT_EQ(s["providers"][0]["keys"][0]["state"], "healthy");
  EXPECT_EQ(h.service->stats().value(Stat::reloads, {"ok"}), 1u);
}

TEST(Reload, AFailingSourceKeepsTheCurrentConfiguration) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
  o.load_config = [](RouterConfig*, std::string* err) {
    *err = "keyward.yaml:3: providers[0].timeout: expected a duration";
    return false;
  };
  h.start_service(std::move(o));
  std::string summary;
  EXPECT_FALSE(h.service->reload_from_source(&summary));
  EXPECT_NE(summary.find("keyward.yaml:3"), std::string::npos);
  EXPECT_EQ(h.chat("hello")->status, 200);
}

}  // namespace
}  // namespace keyward::http::test
