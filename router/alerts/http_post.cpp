#include "router/alerts/http_post.h"

#include <httplib.h>

namespace keyward::alerts {

bool parse_url(const std::string& text, Url* out) {
  Url u;
  auto sep = text.find("://");
  if (sep == std::string::npos) return false;
  u.scheme = text.substr(0, sep);
  if (u.scheme != "http" && u.scheme != "https") return false;
  std::string rest = text.substr(sep + 3);
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  u.path = slash == std::string::npos ? "" : rest.substr(slash);
  while (!u.path.empty() && u.path.back() == '/') u.path.pop_back();
  if (hostport.empty() || hostport.find('@') != std::string::npos) return false;
  auto colon = hostport.rfind(':');
  if (colon != std::string::npos && hostport.find(']') == std::string::npos) {
    u.host = hostport.substr(0, colon);
    try {
      u.port = std::stoi(hostport.substr(colon + 1));
    } catch (const std::exception&) {
      return false;
    }
    if (u.port <= 0 || u.port > 65535) return false;
  } else {
    u.host = hostport;
    u.port = u.scheme == "https" ? 443 : 80;
  }
  if (u.host.empty()) return false;
  *out = std::move(u);
  return true;
}

DeliveryResult post_json(const Url& base, const std::string& path, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers, const PostOptions& options,
                         const std::string& what, std::string* response_body) {
  httplib::Client cli(base.origin());
  if (!cli.is_valid()) return DeliveryResult::failure(what + ": unsupported URL");
  // Without TCP_NODELAY a small POST can sit ~40 ms behind Nagle's algorithm.
  cli.set_tcp_nodelay(true);
  auto secs = [](Millis m) { return static_cast<time_t>(m.count() / 1000); };
  auto usecs = [](Millis m) { return static_cast<time_t>((m.count() % 1000) * 1000); };
  cli.set_connection_timeout(secs(options.connect_timeout), usecs(options.connect_timeout));
  cli.set_read_timeout(secs(options.total_timeout), usecs(options.total_timeout));
  cli.set_write_timeout(secs(options.total_timeout), usecs(options.total_timeout));
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  auto res = cli.Post(base.path + path, h, body, "application/json");
  if (!res) return DeliveryResult::failure(what + ": " + httplib::to_string(res.error()));
  if (response_body) *response_body = res->body;
  if (res->status < 200 || res->status >= 300) {
    std::string snippet = res->body.substr(0, 200);
    for (auto& c : snippet)
      if (c == '\r' || c == '\n') c = ' ';
    return DeliveryResult::failure(what + ": HTTP " + std::to_string(res->status) + " " + snippet);
  }
  return DeliveryResult::success();
}

}  // namespace keyward::alerts
