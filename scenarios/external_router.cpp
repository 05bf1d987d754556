#include "scenarios/external_router.h"

#include <httplib.h>

#include <chrono>
#include <fstream>
#include <thread>

namespace keyward::scenarios {

bool parse_router_url(const std::string& url, std::string* scheme_host_port, std::string* prefix, std::string* error) {
  std::string rest = url, scheme = "http";
  if (auto p = url.find("://"); p != std::string::npos) {
    scheme = url.substr(0, p);
    rest = url.substr(p + 3);
  }
  if (scheme != "http" && scheme != "https") {
    *error = "--router-url: want http://HOST:PORT, got '" + url + "'";
    return false;
  }
#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
  if (scheme == "https") {
    *error = "--router-url: this build has no TLS client; use http://";
    return false;
  }
#endif
  auto slash = rest.find('/');
  std::string host_port = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  auto colon = host_port.rfind(':');
  if (host_port.empty() || colon == 0 || (colon != std::string::npos && colon + 1 == host_port.size())) {
    *error = "--router-url: no host:port in '" + url + "'";
    return false;
  }
  if (colon != std::string::npos &&
      host_port.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    *error = "--router-url: bad port in '" + url + "'";
    return false;
  }
  *scheme_host_port = scheme + "://" + host_port;
  *prefix = path;
  return true;
}

ExternalRouter::ExternalRouter(std::string url, std::string admin_token, std::string env_file)
    : url_(std::move(url)), token_(std::move(admin_token)), env_file_(std::move(env_file)) {
  std::string error;
  if (!parse_router_url(url_, &base_, &prefix_, &error)) base_ = url_;  // checked by the caller
}

ExternalRouter::~ExternalRouter() = default;

std::unique_ptr<httplib::Client> ExternalRouter::client(int timeout_s) const {
  auto c = std::make_unique<httplib::Client>(base_);
  c->set_tcp_nodelay(true);
  c->set_connection_timeout(std::chrono::seconds(2));
  c->set_read_timeout(std::chrono::seconds(timeout_s));
  c->set_write_timeout(std::chrono::seconds(timeout_s));
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  c->enable_server_certificate_verification(true);
#endif
  return c;
}

bool ExternalRouter::wait_ready(Millis timeout, std::string* error) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last = "no answer";
  for (;;) {
    // A router still validating its keys has bound its port but answers only
    // afterwards: the long read timeout waits for that.
    auto c = client(60);
    if (auto res = c->Get(prefix_ + "/healthz")) {
      if (res->status == 200) return true;
      last = "GET /healthz answered " + std::to_string(res->status);
    } else {
      last = "GET /healthz: " + httplib::to_string(res.error());
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  *error = "router at " + url_ + " not reachable within " + std::to_string(timeout.count() / 1000) + " s (" + last + ")";
  return false;
}

bool ExternalRouter::reload(const std::string& env_text, std::string* summary) {
  if (env_file_.empty()) {
    *summary = "skipped: no --env-file";
    return false;
  }
  {
    std::ofstream out(env_file_, std::ios::binary | std::ios::trunc);
    out << env_text;
    if (!out) {
      *summary = "cannot write " + env_file_;
      return false;
    }
  }
  httplib::Headers headers{{"Authorization", "Bearer " + token_}};
  auto res = client(120)->Post(prefix_ + "/admin/reload", headers, "", "application/json");
  if (!res) {
    *summary = "POST /admin/reload: " + httplib::to_string(res.error());
    return false;
  }
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_object() && j.contains("summary") && j["summary"].is_string()) *summary = j["summary"].get<std::string>();
  else *summary = "HTTP " + std::to_string(res->status) + " " + res->body.substr(0, 200);
  return res->status == 200;
}

nlohmann::json ExternalRouter::status() const {
  auto res = client(30)->Get(prefix_ + "/api/status");
  if (!res || res->status != 200) return nullptr;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

std::string ExternalRouter::metrics() const {
  auto res = client(30)->Get(prefix_ + "/metrics");
  return res && res->status == 200 ? res->body : "";
}

}  // namespace keyward::scenarios
