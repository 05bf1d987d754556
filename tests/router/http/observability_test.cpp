// Metrics, journal, log ring, and the promise that no raw key appears in any
// output: logs, responses, status, metrics, journal file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          (name + "-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
           std::to_string(reinterpret_cast<uintptr_t>(&name))))
      .string();
}

TEST(Observability, MetricsTextHasTheCounters) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.validate_on_start = false;
  h.start_service(std::move(o));
  h.chat("Help me fix this bug");
  auto m = h.get("/metrics");
  ASSERT_EQ(m->status, 200);
  const std::string& t = m->body;
  EXPECT_NE(t.find("# TYPE keyward_requests_total counter"), std::string::npos);
  EXPECT_NE(t.find("keyward_requests_total{route=\"chat\",outcome=\"emergency\"} 1"), std::string::npos) << t;
  EXPECT_NE(t.find("keyward_attempts_total{provider=\"groq\",key=\"1\",class=\"auth\"} 1"), std::string::npos);
  EXPECT_NE(t.find("keyward_quarantines_total{provider=\"gemini\"} 2"), std::string::npos);
  EXPECT_NE(t.find("keyward_emergency_answers_total{cause=\"all_authentication_failed\"} 1"), std::string::npos);
  EXPECT_NE(t.find("keyward_failovers_total{provider=\"groq\"} 3"), std::string::npos);
  EXPECT_NE(t.find("keyward_request_duration_seconds_count{route=\"chat\"} 1"), std::string::npos);
  EXPECT_NE(t.find("keyward_attempt_duration_seconds_bucket{provider=\"groq\",le=\"+Inf\"} 3"), std::string::npos);
  EXPECT_NE(t.find("\nkeyward_journal_dropped_lines_total 0\n"), std::string::npos) << t;
  // /api/status carries the same table.
  auto s = body_json(h.get("/api/status"));
  EXPECT_TRUE(s["stats"].contains("keyward_requests_total"));
}

TEST(Observability, NoRawKeyInAnyOutput) {
  const std::vector<std::string> secrets = {"sk-proj-EXPIRED-AAA", "sk-proj-EXPIRED-BBB", "sk-proj-EXPIRED-CCC",
                                            "AIza-EXPIRED-XXX",    "AIza-EXPIRED-YYY",    "msk-EXPIRED-ZZZ",
                                            "sk-proj-GOOD-DDD-0123"};
  std::string journal = temp_path("keyward-journal") + ".jsonl";
  std::string out;
  {
    Harness h;
    // Suspended Gemini keys make the fake quote the key in its message.
    h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-DDD-0123: valid}}
  - {name: gemini, kind: gemini, default_key_state: suspended}
  - {name: mistral, kind: mistral}
)");
    auto o = h.options(std::string(kFoundingEnv) + "GROQ_API_KEY_4=sk-proj-GOOD-DDD-0123\n");
    o.journal_path = journal;
    o.admin_token = "tok";
    h.start_service(std::move(o));
    auto c = h.client();
    for (auto* r : {&out}) {
      *r += h.chat("hello")->body;
      *r += h.post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"stream":true})")->body;
      h.world->provider("groq")->set_key_state("sk-proj-GOOD-DDD-0123", fakes::KeyState::revoked);
      h.clock.advance(Millis(1000));
      *r += h.chat("another question")->body;
      *r += h.get("/api/status")->body;
      *r += h.get("/dashboard")->body;
      *r += h.get("/metrics")->body;
      *r += c.Get("/api/journal?limit=1000", {{"Authorization", "Bearer tok"}})->body;
      *r += c.Post("/admin/keys/test", {{"Authorization", "Bearer tok"}}, "", "application/json")->body;
    }
    out += h.all_logs();
    h.service->stop();
    out += read_file(journal);
    EXPECT_NE(out.find("sk-proj-...AAA"), std::string::npos);  // masked keys are there
    EXPECT_NE(read_file(journal).find("\"type\":\"attempt\""), std::string::npos);
    EXPECT_NE(read_file(journal).find("\"type\":\"request\""), std::string::npos);
    EXPECT_NE(read_file(journal).find("\"type\":\"key_quarantined\""), std::string::npos);
  }
  for (const auto& s : secrets) EXPECT_EQ(out.find(s), std::string::npos) << "raw key leaked: " << s;
  std::filesystem::remove(journal);
}

TEST(Observability, JournalRotatesBySizeKeepingOneGeneration) {
  std::string path = temp_path("keyward-rotate") + ".jsonl";
  {
    Journal j(JournalOptions{.path = path, .max_bytes = 400, .memory_lines = 10, .max_message_bytes = 64});
    ASSERT_TRUE(j.open(nullptr));
    for (int i = 0; i < 20; ++i) j.write(WallTime{}, JsonFields().add("type", "x").add("i", i));
    EXPECT_EQ(j.recent(100).size(), 10u);
  }
  EXPECT_TRUE(std::filesystem::exists(path + ".1"));
  EXPECT_LE(std::filesystem::file_size(path), 400u);
  EXPECT_NE(read_file(path).find("\"i\":19"), std::string::npos);
  EXPECT_NE(read_file(path).find("\"time\":\"1970-01-01T00:00:00.000Z\""), std::string::npos);
  std::filesystem::remove(path);
  std::filesystem::remove(path + ".1");
}

}  // namespace
}  // namespace keyward::http::test
