// Service reload while requests flow against the fake providers: every
// answer is a success or a well-formed emergency, none is lost, and the
// reloads swap key sets under the requests' feet.
#include <atomic>
#include <thread>
#include <vector>

#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

TEST(ReloadUnderTraffic, FourClientsKeepGettingAnswersWhileKeysAreSwapped) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid, sk-proj-GOOD-BBB-4567: valid}}
  - {name: gemini, kind: gemini, keys: {AIza-GOOD-XXX-0123: valid}}
)");
  auto base = h.config();
  const std::string env_a = "GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\nGEMINI_API_KEY_1=AIza-GOOD-XXX-0123\n";
  const std::string env_b = "GROQ_API_KEY_1=sk-proj-EXPIRED-ZZZ\nGROQ_API_KEY_2=sk-proj-GOOD-BBB-4567\n";
  auto o = h.options(env_a, base);
  o.server.handler_threads = 8;
  h.start_service(std::move(o));

  constexpr int kClients = 4, kRequests = 40;
  std::atomic<int> done{0}, success{0}, emergency{0}, malformed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      auto cli = h.client();
      for (int i = 0; i < kRequests; ++i) {
        auto r = cli.Post("/api/ai/chat", nlohmann::json{{"message", "q" + std::to_string(c * 100 + i)}}.dump(),
                          "application/json");
        auto j = r ? nlohmann::json::parse(r->body, nullptr, false) : nlohmann::json();
        if (r && r->status == 200 && j.value("status", "") == "success" && j.contains("content"))
          ++success;
        else if (r && r->status == 503 && j.value("model", "") == "emergency/fallback" && j.contains("providers"))
          ++emergency;
        else
          ++malformed;
      }
      ++done;
    });
  }
  int reloads = 0;
  while (done.load() < kClients) {
    RouterConfig next = base;
    apply_env(next, parse_env(++reloads % 2 ? env_b : env_a, ".env").entries, {});
    std::string summary;
    h.service->reload(next, &summary);
    (void)h.service->status_json();
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(malformed.load(), 0);
  EXPECT_EQ(success.load() + emergency.load(), kClients * kRequests);
  EXPECT_GT(success.load(), 0);
  EXPECT_GT(reloads, 0);
}

}  // namespace
}  // namespace keyward::http::test
