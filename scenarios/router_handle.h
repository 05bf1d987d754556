#pragma once
// The router a scenario runner talks to: the production router assembled
// in-process on the simulated clock (RouterUnderTest), or an external
// `keyward serve` reached over HTTP on the wall clock (ExternalRouter).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace keyward::scenarios {

class RouterHandle {
 public:
  virtual ~RouterHandle() = default;
  // "http://127.0.0.1:PORT": where requests go (cpp-httplib scheme-host-port).
  virtual std::string base_url() const = 0;
  // Prepended to every route ("" or "/prefix" of a router behind a proxy).
  virtual std::string path_prefix() const { return ""; }
  virtual void stop() = 0;
  // Timers and synchronous alert delivery: only an in-process router on a
  // simulated clock needs them; an external router runs its own.
  virtual void tick() = 0;
  virtual void drain_alerts() = 0;
  // The .env was edited: apply it (what POST /admin/reload does).
  virtual bool reload(const std::string& env_text, std::string* summary) = 0;
  virtual void run_health_check() = 0;
  virtual nlohmann::json status() const = 0;  // GET /api/status
  virtual std::string metrics() const = 0;    // GET /metrics
  virtual std::vector<std::string> logs() const = 0;  // every log line so far (empty when invisible)
};

}  // namespace keyward::scenarios
