#pragma once
// An App (the composition root, as `keyward serve` builds it) against fake
// providers whose keys are all invalid, on a SimClock and port 0, with its
// store and journal in a fresh directory.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <mutex>

#include "base/utc_time.h"
#include "fakes/world.h"
#include "router/main/app.h"

namespace keyward::test {

inline const char* kFoundingEnvText =
    "GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\nGROQ_API_KEY_2=sk-proj-EXPIRED-BBB\nGROQ_API_KEY_3=sk-proj-EXPIRED-CCC\n"
    "GEMINI_API_KEY_1=AIza-EXPIRED-XXX\nGEMINI_API_KEY_2=AIza-EXPIRED-YYY\nMISTRAL_API_KEY_1=msk-EXPIRED-ZZZ\n";

struct AppWorld {
  SimClock clock{start_time()};
  std::unique_ptr<fakes::World> world;
  std::filesystem::path dir;
  std::mutex log_mu;
  std::vector<std::string> logs;

  static WallTime start_time() {
    WallTime t;
    parse_iso8601("2025-11-18T08:00:15Z", &t);
    return t;
  }

  AppWorld() {
    YamlField root{YAML::Load("providers:\n  - {name: groq, kind: groq}\n  - {name: gemini, kind: gemini}\n"
                              "  - {name: mistral, kind: mistral}\n"),
                   "world.yaml", ""};
    world = std::make_unique<fakes::World>(fakes::parse_world(root), clock);
    world->start();
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir = std::filesystem::temp_directory_path() /
          ("keyward-app-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~AppWorld() {
    world->stop();
    std::filesystem::remove_all(dir);
  }

  std::string store_path() const { return (dir / "keyward.db").string(); }

  AppOptions options(const std::string& env_text = kFoundingEnvText) {
    RouterConfig config = default_config();
    for (auto& p : config.providers) p.base_url = world->provider(p.name)->base_url();
    AppOptions o;
    o.config = config;
    o.env = parse_env(env_text, ".env").entries;
    o.clock = &clock;
    o.listen = "127.0.0.1:0";
    o.journal_path = "";
    o.store_path = store_path();
    o.validate_on_start = false;
    o.background = false;
    o.log = [this](const std::string& l) {
      std::lock_guard lock(log_mu);
      logs.push_back(l);
    };
    return o;
  }
  bool logged(const std::string& prefix) {
    std::lock_guard lock(log_mu);
    for (const auto& l : logs)
      if (l.rfind(prefix, 0) == 0) return true;
    return false;
  }
};

inline httplib::Result http_get(App& app, const std::string& path, const std::string& token = "") {
  httplib::Client c("127.0.0.1", app.service().port());
  c.set_tcp_nodelay(true);
  c.set_read_timeout(std::chrono::seconds(20));
  httplib::Headers h;
  if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
  return c.Get(path, h);
}

inline httplib::Result http_chat(App& app, const std::string& message) {
  httplib::Client c("127.0.0.1", app.service().port());
  c.set_tcp_nodelay(true);
  c.set_read_timeout(std::chrono::seconds(20));
  return c.Post("/api/ai/chat", nlohmann::json{{"message", message}}.dump(), "application/json");
}

}  // namespace keyward::test
