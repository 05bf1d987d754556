#include "router/net/upstream_url.h"

#include <algorithm>
#include <cctype>

namespace keyward::net {

std::string BaseUrl::bare_host() const {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

std::string BaseUrl::host_header() const {
  if (port == (tls() ? 443 : 80)) return host;
  return host + ":" + std::to_string(port);
}

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
  b.port = b.tls() ? 443 : 80;
  auto colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    auto port = hostport.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
      return false;
    b.port = std::stoi(port);
    if (b.port <= 0 || b.port > 65535) return false;
    hostport = hostport.substr(0, colon);
  } else if (auto close = hostport.find(']'); close != std::string::npos && close + 1 < hostport.size()) {
    // "[::1]:8080"
    if (hostport[close + 1] != ':') return false;
    auto port = hostport.substr(close + 2);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }))
      return false;
    b.port = std::stoi(port);
    if (b.port <= 0 || b.port > 65535) return false;
    hostport = hostport.substr(0, close + 1);
  }
  if (hostport.empty()) return false;
  // Whatever would end up in a request line or a Host header must be a plain host.
  for (unsigned char c : hostport)
    if (c <= 0x20 || c == 0x7f || c == '/' || c == '?' || c == '#' || c == '@') return false;
  b.host = hostport;
  *out = std::move(b);
  return true;
}

}  // namespace keyward::net
