// GET /api/keys and POST /admin/keys/<provider>/<id>/disable|enable against
// the fakes: admin only, every field, never the secret, the provider's text
// escaped on the dashboard, and a disable that changes which key is called,
// survives a reload and leaves the router answering when no key is left.
#include "router/http/dashboard.h"
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

const char* kToken = "keys-admin-token";
const char* kTwoGoodKeys = R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid, sk-proj-GOOD-BBB-4567: valid}}
)";
const char* kTwoGoodEnv = "GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGROQ_API_KEY_2=sk-proj-GOOD-BBB-4567\n";

httplib::Result admin(const Harness& h, const std::string& method, const std::string& path,
                      const std::string& token = kToken) {
  auto c = h.client();
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (method == "GET") return c.Get(path, headers);
  return c.Post(path, headers, "", "application/json");
}

// A Service on the fakes with the admin token, the real dashboard, and a
// reload that re-reads `env`.
void start(Harness& h, const std::string& world, const std::string& env) {
  h.start_world(world);
  RouterConfig base = h.config();
  auto o = h.options(env, base);
  o.admin_token = kToken;
  o.render_dashboard = [](const nlohmann::json& status) { return render_dashboard_html(status); };
  o.load_config = [base, env](RouterConfig* out, std::string*) {
    *out = base;
    apply_env(*out, parse_env(env, ".env").entries, {});
    return true;
  };
  h.start_service(std::move(o));
}

int key_id_of(const httplib::Result& chat) { return body_json(chat)["key_id"].get<int>(); }

TEST(KeysApi, NeedsTheAdminToken) {
  Harness h;
  start(h, kTwoGoodKeys, kTwoGoodEnv);
  EXPECT_EQ(admin(h, "GET", "/api/keys", "")->status, 401);
  auto wrong = admin(h, "GET", "/api/keys", "not-the-token");
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(body_json(wrong)["error"], "unauthorized");
  EXPECT_EQ(admin(h, "GET", "/api/keys")->status, 200);
  EXPECT_EQ(admin(h, "POST", "/admin/keys/groq/1/disable", "")->status, 401);
  EXPECT_FALSE(h.service->router().snapshot().keys[0][0].disabled) << "refused requests change nothing";
}

TEST(KeysApi, WithoutAConfiguredTokenItIsOff) {
  Harness h;
  h.start_world(kTwoGoodKeys);
  h.start_service(h.options(kTwoGoodEnv));
  auto r = admin(h, "GET", "/api/keys");
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(body_json(r)["error"], "admin_disabled");
}

TEST(KeysApi, EveryFieldOfEveryKeyAndNeverTheSecret) {
  Harness h;
  start(h, R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)",
        "GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGROQ_API_KEY_2=sk-proj-EXPIRED-BBB-4567\n");
  ASSERT_EQ(h.chat("hello")->status, 200);
  auto r = admin(h, "GET", "/api/keys");
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->body.find("sk-proj-GOOD-AAA-0123"), std::string::npos) << "a raw key in the body";
  EXPECT_EQ(r->body.find("sk-proj-EXPIRED-BBB-4567"), std::string::npos) << "a raw key in the body";
  auto j = body_json(r);
  ASSERT_EQ(j["keys"].size(), 2u);
  for (const auto& k : j["keys"])
    for (const char* f : {"provider", "id", "masked", "state", "reason", "since", "until", "strikes", "last_success",
                          "last_failure", "calls", "failures", "disabled"})
      EXPECT_TRUE(k.contains(f)) << f << " missing in " << k.dump();
  const auto& good = j["keys"][0];
  EXPECT_EQ(good["provider"], "groq");
  EXPECT_EQ(good["id"], 1);
  EXPECT_EQ(good["masked"], "sk-proj-...123");
  EXPECT_EQ(good["state"], "healthy");
  EXPECT_EQ(good["calls"], 1);  // the chat (the start-up ping is not a call)
  EXPECT_EQ(good["failures"], 0);
  EXPECT_EQ(good["last_success"], "2025-11-18T08:00:00Z");
  EXPECT_TRUE(good["reason"].is_null());
  const auto& bad = j["keys"][1];
  EXPECT_EQ(bad["masked"], "sk-proj-...567");
  EXPECT_EQ(bad["state"], "quarantined");
  EXPECT_EQ(bad["strikes"], 1);
  EXPECT_EQ(bad["since"], "2025-11-18T08:00:00Z");
  EXPECT_EQ(bad["until"], "2025-11-18T08:05:00Z");
  EXPECT_EQ(bad["last_failure"], "2025-11-18T08:00:00Z");
  EXPECT_EQ(bad["reason"]["class"], "auth");
  EXPECT_EQ(bad["reason"]["status"], 401);
  EXPECT_FALSE(bad["reason"]["signal"].get<std::string>().empty()) << bad.dump();
  EXPECT_FALSE(bad["reason"]["message"].get<std::string>().empty()) << bad.dump();
}

TEST(KeysApi, TheProvidersMessageIsEscapedOnTheDashboard) {
  Harness h;
  start(h, R"(
providers:
  - name: groq
    kind: groq
    keys: {sk-proj-GOOD-AAA-0123: valid, sk-proj-GOOD-BBB-4567: valid}
    faults: [{kind: status, status: 429, key: sk-proj-GOOD-AAA-0123, path: /chat/completions, message: "<script>alert('k')</script> & <b>bold</b>"}]
)",
        kTwoGoodEnv);
  auto chat = h.chat("hello");
  ASSERT_EQ(chat->status, 200) << chat->body;
  EXPECT_EQ(key_id_of(chat), 2) << "key 1 was rate-limited, key 2 answered";
  auto j = body_json(admin(h, "GET", "/api/keys"));
  EXPECT_EQ(j["keys"][0]["reason"]["message"], "<script>alert('k')</script> & <b>bold</b>") << "JSON carries the text";
  auto page = h.get("/dashboard");
  ASSERT_EQ(page->status, 200);
  std::string html = page->body.substr(0, page->body.find("<script>"));  // the page's own script comes last
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<b>bold</b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;k&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"),
            std::string::npos)
      << html;
  EXPECT_EQ(page->body.find("sk-proj-GOOD-AAA-0123"), std::string::npos);
}

TEST(KeyToggle, DisableAndEnableChangeWhichKeyIsCalled) {
  Harness h;
  start(h, kTwoGoodKeys, kTwoGoodEnv);
  auto calls_a = [&] { return h.calls("groq", "sk-proj-GOOD-AAA-0123"); };
  auto calls_b = [&] { return h.calls("groq", "sk-proj-GOOD-BBB-4567"); };
  ASSERT_EQ(key_id_of(h.chat("one")), 1);
  uint64_t a0 = calls_a(), b0 = calls_b();

  auto off = admin(h, "POST", "/admin/keys/groq/1/disable");
  ASSERT_EQ(off->status, 200) << off->body;
  EXPECT_EQ(body_json(off)["changed"], true);
  EXPECT_EQ(body_json(off)["key"]["state"], "disabled");
  EXPECT_EQ(body_json(off)["key"]["masked"], "sk-proj-...123");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(key_id_of(h.chat("q" + std::to_string(i))), 2);
  EXPECT_EQ(calls_a(), a0) << "a disabled key is never called";
  EXPECT_EQ(calls_b(), b0 + 3);
  EXPECT_EQ(body_json(admin(h, "POST", "/admin/keys/groq/1/disable"))["changed"], false) << "already disabled";

  auto keys = body_json(admin(h, "GET", "/api/keys"));
  EXPECT_EQ(keys["keys"][0]["state"], "disabled");
  EXPECT_EQ(keys["keys"][0]["disabled_since"], "2025-11-18T08:00:00Z");
  auto page = h.get("/dashboard")->body;
  EXPECT_NE(page.find("data-op=\"enable\" data-provider=\"groq\" data-key=\"1\""), std::string::npos)
      << "the dashboard offers to enable it";

  auto on = admin(h, "POST", "/admin/keys/groq/1/enable");
  ASSERT_EQ(on->status, 200) << on->body;
  EXPECT_EQ(body_json(on)["key"]["state"], "healthy");
  EXPECT_EQ(key_id_of(h.chat("back")), 1);
  EXPECT_EQ(calls_a(), a0 + 1);

  // Journaled like the router's other decisions.
  std::string journal = admin(h, "GET", "/api/journal?limit=50")->body;
  EXPECT_NE(journal.find("\"type\":\"key_disabled\""), std::string::npos) << journal;
  EXPECT_NE(journal.find("\"type\":\"key_enabled\""), std::string::npos) << journal;
  EXPECT_EQ(journal.find("sk-proj-GOOD-AAA-0123"), std::string::npos);
  EXPECT_TRUE(h.logged("Groq Key 1 (sk-proj-...123) disabled by the operator"));
}

TEST(KeyToggle, ADisableSurvivesAReload) {
  Harness h;
  start(h, kTwoGoodKeys, kTwoGoodEnv);
  ASSERT_EQ(admin(h, "POST", "/admin/keys/groq/1/disable")->status, 200);
  auto r = admin(h, "POST", "/admin/reload");
  ASSERT_EQ(r->status, 200) << r->body;
  uint64_t a0 = h.calls("groq", "sk-proj-GOOD-AAA-0123");
  EXPECT_EQ(key_id_of(h.chat("after reload")), 2);
  EXPECT_EQ(h.calls("groq", "sk-proj-GOOD-AAA-0123"), a0);
  EXPECT_EQ(body_json(admin(h, "GET", "/api/keys"))["keys"][0]["state"], "disabled");
}

TEST(KeyToggle, UnknownProviderOrKeyIsA404NamingIt) {
  Harness h;
  start(h, kTwoGoodKeys, kTwoGoodEnv);
  auto p = admin(h, "POST", "/admin/keys/openrouter/1/disable");
  EXPECT_EQ(p->status, 404);
  EXPECT_EQ(body_json(p)["error"], "not_found");
  EXPECT_NE(body_json(p)["message"].get<std::string>().find("unknown provider 'openrouter' (known: groq)"),
            std::string::npos)
      << p->body;
  auto k = admin(h, "POST", "/admin/keys/groq/7/disable");
  EXPECT_EQ(k->status, 404);
  EXPECT_NE(body_json(k)["message"].get<std::string>().find("unknown key id '7' for provider groq (keys: 1, 2)"),
            std::string::npos)
      << k->body;
  auto word = admin(h, "POST", "/admin/keys/groq/first/enable");
  EXPECT_EQ(word->status, 404);
  EXPECT_NE(word->body.find("unknown key id 'first'"), std::string::npos) << word->body;
  auto verb = admin(h, "POST", "/admin/keys/groq/1/delete");
  EXPECT_EQ(verb->status, 404);
  EXPECT_NE(verb->body.find("/admin/keys/<provider>/<id>/disable"), std::string::npos) << verb->body;
  EXPECT_EQ(admin(h, "POST", "/admin/keys/test")->status, 200) << "the exact route still wins";
}

TEST(KeyToggle, DisablingTheLastKeyAnswersTheEmergencyWithoutCallingIt) {
  Harness h;
  start(h, R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)",
        "GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
  ASSERT_EQ(admin(h, "POST", "/admin/keys/groq/1/disable")->status, 200);
  uint64_t before = h.total_calls();
  auto r = h.chat("nobody left");
  ASSERT_EQ(r->status, 503) << r->body;
  auto j = body_json(r);
  EXPECT_EQ(j["model"], "emergency/fallback");
  EXPECT_NE(j["diagnosis"].get<std::string>().find("disabled by the operator"), std::string::npos) << r->body;
  EXPECT_EQ(h.total_calls(), before);
  ASSERT_EQ(admin(h, "POST", "/admin/keys/groq/1/enable")->status, 200);
  EXPECT_EQ(h.chat("back")->status, 200);
}

}  // namespace
}  // namespace keyward::http::test
