// The /_fake/ control API: good input does what the in-process method does,
// bad input gets a JSON error and a 4xx.
#include <gtest/gtest.h>

#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

httplib::Result post(Fake& f, const char* path, const nlohmann::json& body) {
  return f.client->Post(path, body.dump(), "application/json");
}

TEST(ControlApi, SetKeyStateAndDefault) {
  Fake fake(ProviderKind::groq);
  auto r = post(fake, "/_fake/keys", {{"key", kGoodKey}, {"state", "expired"}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["key"], mask_key(kGoodKey));
  EXPECT_EQ(fake.provider->key_state(kGoodKey), KeyState::expired);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 401);
  r = post(fake, "/_fake/default_key_state", {{"state", "valid"}});
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(fake.chat("any-key-at-all-1234")->status, 200);
  auto state = json_of(fake.client->Get("/_fake/state"));
  EXPECT_EQ(state["default_key_state"], "valid");
  EXPECT_EQ(state["keys"][0]["key"], mask_key(kGoodKey));
  EXPECT_EQ(state["base_url"], fake.provider->base_url());
  EXPECT_EQ(state.dump().find(kGoodKey), std::string::npos);  // never the raw key
}

TEST(ControlApi, FaultsAddListRemoveClear) {
  Fake fake(ProviderKind::openai);
  auto r = post(fake, "/_fake/faults", {{"kind", "status"}, {"status", 502}});
  ASSERT_EQ(r->status, 201) << r->body;
  int id = json_of(r)["id"];
  EXPECT_EQ(fake.chat(kGoodKey)->status, 502);
  auto list = json_of(fake.client->Get("/_fake/faults"));
  ASSERT_EQ(list["faults"].size(), 1u);
  EXPECT_EQ(list["faults"][0]["id"], id);
  EXPECT_EQ(list["faults"][0]["fired"], 1);
  EXPECT_EQ(fake.client->Delete(("/_fake/faults/" + std::to_string(id)).c_str())->status, 200);
  EXPECT_EQ(fake.client->Delete(("/_fake/faults/" + std::to_string(id)).c_str())->status, 404);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  post(fake, "/_fake/faults", {{"kind", "status"}, {"status", 500}});
  EXPECT_EQ(fake.client->Delete("/_fake/faults")->status, 200);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
}

TEST(ControlApi, ClockAdvanceAndSet) {
  Fake fake(ProviderKind::groq);
  auto r = post(fake, "/_fake/clock", {{"advance_ms", 90'000}});
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(json_of(r)["now"], "2025-11-18T08:01:30.000Z");
  r = post(fake, "/_fake/clock", {{"set", "2025-11-19T00:00:00Z"}});
  EXPECT_EQ(json_of(r)["now"], "2025-11-19T00:00:00.000Z");
  EXPECT_EQ(fake.clock.wall(), at("2025-11-19T00:00:00Z"));
}

TEST(ControlApi, ClockNotOwnedIs409) {
  Fake fake(options_for(ProviderKind::groq), /*adjustable_clock=*/false);
  auto r = post(fake, "/_fake/clock", {{"advance_ms", 1000}});
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(json_of(r)["error"]["code"], "clock_not_adjustable");
  EXPECT_EQ(json_of(fake.client->Get("/_fake/clock"))["adjustable"], false);
}

TEST(ControlApi, JournalAndCounters) {
  Fake fake(ProviderKind::gemini);
  fake.chat(kGoodKey);
  fake.chat("AIza-bad-key-00000000");
  fake.models(kGoodKey);
  auto j = json_of(fake.client->Get("/_fake/journal"));
  ASSERT_EQ(j["entries"].size(), 3u);
  EXPECT_EQ(j["entries"][0]["status"], 200);
  EXPECT_EQ(j["entries"][0]["key"], mask_key(kGoodKey));
  EXPECT_EQ(j["entries"][0]["time"], "2025-11-18T08:00:00.000Z");
  EXPECT_EQ(j["entries"][1]["status"], 400);
  EXPECT_EQ(j["last_seq"], 3);
  auto tail = json_of(fake.client->Get("/_fake/journal?after=2"));
  ASSERT_EQ(tail["entries"].size(), 1u);
  EXPECT_EQ(tail["entries"][0]["path"], "/v1beta/models");
  auto c = json_of(fake.client->Get("/_fake/counters"));
  EXPECT_EQ(c["requests"], 3);
  EXPECT_EQ(c["per_status"]["200"], 2);
  EXPECT_EQ(c["per_status"]["400"], 1);
  EXPECT_EQ(c["per_key"].size(), 2u);
  EXPECT_EQ(fake.provider->requests_for_key(kGoodKey), 2u);
  // Control calls are not journaled.
  EXPECT_EQ(fake.provider->journal().size(), 3u);
  EXPECT_EQ(c.dump().find(kGoodKey), std::string::npos);
}

TEST(ControlApi, ResetRestoresStartOptions) {
  auto opts = options_for(ProviderKind::mistral);
  opts.faults.push_back(parse_fault({{"kind", "status"}, {"status", 503}, {"first", 1}}));
  Fake fake(opts);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 503);
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);
  fake.provider->set_key_state(kGoodKey, KeyState::revoked);
  ASSERT_EQ(fake.client->Post("/_fake/reset", "", "application/json")->status, 200);
  EXPECT_TRUE(fake.provider->journal().empty());
  EXPECT_EQ(fake.chat(kGoodKey)->status, 503);  // the `first: 1` fault is fresh again
  EXPECT_EQ(fake.chat(kGoodKey)->status, 200);  // and the key is valid again
}

TEST(ControlApi, BadInputIs4xxWithJsonError) {
  Fake fake(ProviderKind::groq);
  struct Bad {
    const char* method;
    const char* path;
    const char* body;
    int status;
    const char* code;
  };
  const Bad cases[] = {
      {"POST", "/_fake/keys", "{not json", 400, "bad_json"},
      {"POST", "/_fake/keys", "[1,2]", 400, "bad_json"},
      {"POST", "/_fake/keys", R"({"state":"valid"})", 400, "bad_field"},
      {"POST", "/_fake/keys", R"({"key":"k","state":"dead"})", 400, "bad_field"},
      {"POST", "/_fake/keys", R"({"key":"k","state":"valid","variant":7})", 400, "bad_field"},
      {"POST", "/_fake/default_key_state", R"({"state":3})", 400, "bad_field"},
      {"POST", "/_fake/faults", R"({"kind":"status"})", 400, "bad_field"},
      {"POST", "/_fake/faults", R"({"kind":"meteor"})", 400, "bad_field"},
      {"POST", "/_fake/faults", R"({"kind":"status","status":503,"firts":1})", 400, "bad_field"},
      {"POST", "/_fake/clock", R"({"set":"tomorrow"})", 400, "bad_field"},
      {"POST", "/_fake/clock", R"({"advance_ms":"1s"})", 400, "bad_field"},
      {"POST", "/_fake/clock", R"({})", 400, "bad_field"},
      {"POST", "/_fake/nothing", "{}", 404, "unknown_route"},
      {"GET", "/_fake/nothing", "", 404, "unknown_route"},
      {"GET", "/_fake/journal?after=x", "", 400, "bad_field"},
      {"DELETE", "/_fake/faults/abc", "", 400, "bad_field"},
      {"DELETE", "/_fake/faults/99", "", 404, "not_found"},
  };
  for (const auto& c : cases) {
    httplib::Result r = std::string(c.method) == "POST"
                            ? fake.client->Post(c.path, c.body, "application/json")
                        : std::string(c.method) == "GET" ? fake.client->Get(c.path)
                                                         : fake.client->Delete(c.path);
    ASSERT_TRUE(r) << c.path;
    EXPECT_EQ(r->status, c.status) << c.method << " " << c.path << " " << c.body;
    auto j = json_of(r);
    EXPECT_EQ(j["error"]["code"], c.code) << r->body;
    EXPECT_TRUE(j["error"]["message"].is_string());
  }
}

}  // namespace
}  // namespace keyward::fakes::testing

namespace keyward::fakes::testing {
namespace {

TEST(ControlApi, FaultCountIsBounded) {
  Fake fake(ProviderKind::openai);
  auto spec = parse_fault({{"kind", "latency"}, {"latency_ms", 0}});
  for (std::size_t i = 0; i < FakeProvider::kMaxFaults; ++i)
    ASSERT_GT(fake.provider->add_fault(spec), 0);
  EXPECT_EQ(fake.provider->add_fault(spec), 0);
  auto r = post(fake, "/_fake/faults", {{"kind", "status"}, {"status", 500}});
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(json_of(r)["error"]["code"], "limit_reached");
}

}  // namespace
}  // namespace keyward::fakes::testing
