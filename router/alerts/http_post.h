#pragma once
// The one place where cpp-httplib results become DeliveryResults for the
// HTTP channels (Telegram, webhook).
#include <string>

#include "router/alerts/channel.h"

namespace keyward::alerts {

struct Url {
  std::string scheme;  // http | https
  std::string host;
  int port = 0;
  std::string path;    // "" or "/prefix" (no trailing slash) or "/hook"
  std::string origin() const { return scheme + "://" + host + ":" + std::to_string(port); }
};
// False on anything but http(s)://host[:port][/path].
bool parse_url(const std::string& text, Url* out);

struct PostOptions {
  Millis connect_timeout{5'000};
  Millis total_timeout{15'000};
};

// POSTs a JSON body; 2xx is success. `what` names the target in errors
// (never the URL itself, which may hold a token).
DeliveryResult post_json(const Url& base, const std::string& path, const std::string& body,
                         const std::vector<std::pair<std::string, std::string>>& headers, const PostOptions& options,
                         const std::string& what, std::string* response_body = nullptr);

}  // namespace keyward::alerts
