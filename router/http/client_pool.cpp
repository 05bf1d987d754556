#include "router/http/client_pool.h"

#include <algorithm>
#include <cctype>

namespace keyward::http {

bool parse_base_url(const std::string& url, BaseUrl* out) {
  BaseUrl b;
  auto sep = url.find("://");
  if (sep == std::string::npos) return false;
  b.scheme = url.substr(0, sep);
  std::transform(b.scheme.begin(), b.scheme.end(), b.scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (b.scheme != "http" && b.scheme != "https") return false;
  auto rest = url.substr(sep + 3);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  b.prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!b.prefix.empty() && b.prefix.back() == '/') b.prefix.pop_back();
  if (hostport.empty()) return false;
  b.port = b.scheme == "https" ? 443 : 80;
  auto colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    auto port = hostport.substr(colon + 1);
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
      return false;
    b.port = std::stoi(port);
    if (b.port <= 0 || b.port > 65535) return false;
    hostport = hostport.substr(0, colon);
  }
  if (hostport.empty()) return false;
  b.host = hostport;
  *out = std::move(b);
  return true;
}

const TlsContext& ClientPool::tls() {
  std::call_once(tls_once_, [this] { tls_ = std::make_unique<TlsContext>(options_.tls_verify); });
  return *tls_;
}

std::unique_ptr<UpstreamConnection> ClientPool::acquire(const BaseUrl& base, SteadyClock::time_point connect_deadline,
                                                        SteadyClock::time_point deadline, TransportError* error) {
  const auto now = SteadyClock::now();
  std::vector<std::unique_ptr<UpstreamConnection>> stale;  // closed outside the lock
  {
    std::lock_guard lock(mu_);
    auto it = idle_.find(base.origin());
    if (it != idle_.end()) {
      auto& v = it->second;
      while (!v.empty()) {
        Idle idle = std::move(v.back());
        v.pop_back();
        if (now - idle.since <= options_.max_idle && idle.connection->usable_after_idle()) {
          *error = TransportError::none;
          return std::move(idle.connection);
        }
        // Too old, or closed by the server meanwhile: the next one is tried.
        stale.push_back(std::move(idle.connection));
      }
    }
  }
  return UpstreamConnection::open(base.host, base.port, base.scheme == "https" ? &tls() : nullptr, connect_deadline,
                                  deadline, error);
}

void ClientPool::release(const BaseUrl& base, std::unique_ptr<UpstreamConnection> connection) {
  if (!connection) return;
  std::lock_guard lock(mu_);
  auto& v = idle_[base.origin()];
  if (v.size() >= options_.max_idle_per_origin) return;
  v.push_back({std::move(connection), SteadyClock::now()});
}

size_t ClientPool::idle_count() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [_, v] : idle_) n += v.size();
  return n;
}

void ClientPool::clear() {
  std::map<std::string, std::vector<Idle>> drop;
  {
    std::lock_guard lock(mu_);
    drop.swap(idle_);
  }
}

}  // namespace keyward::http
