#pragma once
// Shared by the router_http tests: fake providers (fakes::World) on loopback
// port 0, a Service on port 0, one SimClock for both, and small HTTP helpers.
#include <gtest/gtest.h>
#include <httplib.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/utc_time.h"
#include "fakes/world.h"
#include "router/core/env_file.h"
#include "router/http/service.h"

namespace keyward::http::test {

inline WallTime at(const std::string& iso) {
  WallTime t;
  parse_iso8601(iso, &t);
  return t;
}

inline const char* kFoundingEnv =
    "GROQ_API_KEY_1=sk-proj-EXPIRED-AAA\n"
    "GROQ_API_KEY_2=sk-proj-EXPIRED-BBB\n"
    "GROQ_API_KEY_3=sk-proj-EXPIRED-CCC\n"
    "GEMINI_API_KEY_1=AIza-EXPIRED-XXX\n"
    "GEMINI_API_KEY_2=AIza-EXPIRED-YYY\n"
    "MISTRAL_API_KEY_1=msk-EXPIRED-ZZZ\n";

// Groq, Gemini and Mistral fakes where every key is invalid unless listed.
inline const char* kThreeProviders = R"(
providers:
  - {name: groq, kind: groq}
  - {name: gemini, kind: gemini}
  - {name: mistral, kind: mistral}
)";

class Harness {
 public:
  SimClock clock{at("2025-11-18T08:00:00Z")};  // the router's and the fakes' time
  std::unique_ptr<fakes::World> world;
  std::unique_ptr<Service> service;
  std::mutex log_mu;
  std::vector<std::string> logs;

  ~Harness() {
    if (service) service->stop();
    if (world) world->stop();
  }

  void start_world(const std::string& yaml) {
    YamlField root{YAML::Load(yaml), "world.yaml", ""};
    world = std::make_unique<fakes::World>(fakes::parse_world(root), clock);
    world->start();
  }

  // default_config() pointed at the world's fakes; providers the world lacks are dropped.
  RouterConfig config() const {
    RouterConfig c = default_config();
    std::vector<ProviderConfig> kept;
    for (auto& p : c.providers) {
      if (auto* f = world->provider(p.name)) {
        p.base_url = f->base_url();
        kept.push_back(p);
      }
    }
    c.providers = kept;
    return c;
  }

  ServiceOptions options(const std::string& env_text, RouterConfig cfg) {
    ServiceOptions o;
    o.config = std::move(cfg);
    o.env = parse_env(env_text, ".env").entries;
    o.clock = &clock;
    o.listen = "127.0.0.1:0";
    o.journal_path = "";
    o.server.handler_threads = 8;
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu);
      logs.push_back(line);
    };
    return o;
  }
  ServiceOptions options(const std::string& env_text) { return options(env_text, config()); }

  void start_service(ServiceOptions o) {
    service = std::make_unique<Service>(std::move(o));
    std::string error;
    ASSERT_TRUE(service->start(&error)) << error;
  }

  // The most common world: one Groq key that works, no start-up validation.
  // `adjust` may change the options before the service starts.
  void start_one_good_groq(const std::function<void(ServiceOptions&)>& adjust = {}) {
    start_world("providers:\n  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}\n");
    auto o = options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
    o.validate_on_start = false;
    if (adjust) adjust(o);
    start_service(std::move(o));
  }

  httplib::Client client() const {
    httplib::Client c("127.0.0.1", service->port());
    c.set_tcp_nodelay(true);
    c.set_read_timeout(std::chrono::seconds(20));
    return c;
  }

  httplib::Result post(const std::string& path, const std::string& body) const {
    auto c = client();
    return c.Post(path, body, "application/json");
  }
  httplib::Result get(const std::string& path) const {
    auto c = client();
    return c.Get(path);
  }
  httplib::Result chat(const std::string& message) const {
    return post("/api/ai/chat", nlohmann::json{{"message", message}}.dump());
  }

  uint64_t calls(const std::string& provider, const std::string& key) const {
    return world->provider(provider)->requests_for_key(key);
  }
  uint64_t total_calls() const {
    uint64_t n = 0;
    for (auto* p : world->providers()) n += p->counters().requests;
    return n;
  }
  std::string all_logs() {
    std::lock_guard lock(log_mu);
    std::string s;
    for (const auto& l : logs) s += l + "\n";
    return s;
  }
  bool logged(const std::string& needle) { return all_logs().find(needle) != std::string::npos; }
};

inline nlohmann::json body_json(const httplib::Result& r) {
  return nlohmann::json::parse(r->body, nullptr, false);
}

}  // namespace keyward::http::test
