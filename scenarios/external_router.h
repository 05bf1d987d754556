#pragma once
// Black-box mode: an external `keyward serve`, reached over HTTP on the wall
// clock. Only what its HTTP API allows: requests, GET /api/status, GET
// /metrics, GET /healthz, and POST /admin/reload (bearer token) after the
// runner rewrote the .env file the router reads.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "scenarios/router_handle.h"

namespace httplib {
class Client;
}

namespace keyward::scenarios {

// "http://host:port[/prefix]" (or "host:port") split into what cpp-httplib
// wants. false with `error` when it is not such a URL.
bool parse_router_url(const std::string& url, std::string* scheme_host_port, std::string* prefix, std::string* error);

class ExternalRouter final : public RouterHandle {
 public:
  // `env_file`: the .env the external router reads; empty: reload is unsupported.
  ExternalRouter(std::string url, std::string admin_token, std::string env_file);
  ~ExternalRouter() override;

  // Polls GET /healthz until it answers 200 (a starting router answers once
  // its start-up validation is done) or `timeout` passes.
  bool wait_ready(Millis timeout, std::string* error);

  std::string base_url() const override { return base_; }
  std::string path_prefix() const override { return prefix_; }
  void stop() override {}          // never ours to stop
  void tick() override {}          // it runs its own timers ...
  void drain_alerts() override {}  // ... and its own alert dispatcher
  // Writes `env_text` to the env file, then POST /admin/reload.
  bool reload(const std::string& env_text, std::string* summary) override;
  void run_health_check() override {}  // no HTTP route runs the daily check: scenarios with it are skipped
  nlohmann::json status() const override;
  std::string metrics() const override;
  std::vector<std::string> logs() const override { return {}; }  // not visible black-box

 private:
  std::unique_ptr<httplib::Client> client(int timeout_s) const;
  std::string base_, prefix_, url_, token_, env_file_;
};

}  // namespace keyward::scenarios
