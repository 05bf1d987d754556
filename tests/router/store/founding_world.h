#pragma once
// The founding scenario as a small world for alert tests: six bad keys, a
// SimClock, the real ChatRouter with a scripted transport (no sockets). Each
// provider call takes one simulated second, so the first request fails over
// from 08:00:15 to the emergency at 08:00:21, as in the story. Header-only and
// router_core-only, so core, store and alerts tests can all use it.
#include <map>
#include <memory>
#include <set>
#include <string>

#include "router/core/chat_router.h"
#include "router/core/env_file.h"
#include "tests/router/core/fixtures.h"

namespace keyward::test {

using namespace std::chrono_literals;

// Answers by secret: a secret in `valid` gets a 200, any other the provider's
// own authentication error (or `auth_message` when set, to inject text).
class ScriptedTransport final : public BlockingTransport {
 public:
  explicit ScriptedTransport(SimClock& clock) : clock_(clock) {}
  std::set<std::string> valid;
  std::map<std::string, std::string> auth_message;  // provider -> error text
  Millis per_call = 1s;
  int calls = 0;

  AttemptResult answer(const ProviderConfig& p, const KeyConfig& k) {
    ++calls;
    clock_.advance(per_call);
    if (valid.count(k.secret)) return ok_200();
    if (auto it = auth_message.find(p.name); it != auth_message.end()) {
      nlohmann::json body = {{"error", {{"message", it->second}, {"type", "invalid_request_error"},
                                        {"code", "invalid_api_key"}}}};
      return http(401, body.dump());
    }
    if (p.name == "gemini") return gemini_400_invalid();
    if (p.name == "mistral") return mistral_401();
    return groq_401();
  }
  AttemptResult chat_now(const ProviderConfig& p, const KeyConfig& k, const ChatRequest&, Millis, ChatAnswer* answer,
                     StreamSink*) override {
    AttemptResult r = this->answer(p, k);
    if (r.status == 200) answer->content = "hi";
    return r;
  }
  AttemptResult list_models_now(const ProviderConfig& p, const KeyConfig& k, Millis,
                            std::vector<std::string>*) override {
    return this->answer(p, k);
  }

 private:
  SimClock& clock_;
};

inline ChatRequest chat_request(const std::string& text) {
  ChatRequest r;
  r.messages.push_back({"user", text});
  return r;
}

struct FoundingWorld {
  SimClock clock{at("2025-11-18T08:00:15Z")};
  ScriptedTransport transport{clock};
  RouterConfig config = founding_config();
  std::unique_ptr<ChatRouter> router;

  void start(RouterObserver* observer) { router = std::make_unique<ChatRouter>(config, clock, observer); }
  // Distinct texts: no cached answer hides the emergency.
  RouteOutcome ask(const std::string& text = "Help me fix this bug") {
    return router->route(chat_request(text), transport);
  }
  // The operator's fix: GROQ_API_KEY_1 gets a new, valid secret.
  RouterConfig fixed_config() {
    RouterConfig c = default_config();
    std::string env = kFoundingEnv;
    env.replace(env.find("sk-proj-EXPIRED-AAA"), 19, "sk-proj-NEW-AAA");
    apply_env(c, parse_env(env, ".env").entries, {});
    transport.valid.insert("sk-proj-NEW-AAA");
    return c;
  }
  // Start-up validation of every key, as the service does it.
  void validate_all() {
    RouterConfig c = router->config();
    for (const auto& p : c.providers)
      for (const auto& k : p.keys) router->record_validation(p.name, k.index, transport.answer(p, k));
  }
};

}  // namespace keyward::test
