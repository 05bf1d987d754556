#pragma once
// A provider's base URL split for the provider client: origin (what a pooled
// connection is keyed by), the host as the resolver and the certificate check
// see it, and the path prefix every request goes under.
#include <string>

namespace keyward::net {

// "https://api.groq.com/openai/v1" -> origin "https://api.groq.com:443", prefix "/openai/v1".
struct BaseUrl {
  std::string scheme;  // http | https
  std::string host;    // as written in the URL: "[::1]" keeps its brackets
  int port = 0;
  std::string prefix;  // path prefix without a trailing slash ("" for none)

  bool tls() const { return scheme == "https"; }
  std::string origin() const { return scheme + "://" + host + ":" + std::to_string(port); }
  // The host for the resolver, SNI and the certificate check: "[::1]" -> "::1".
  std::string bare_host() const;
  // The Host header: the port only when it is not the scheme's default.
  std::string host_header() const;
};

// False on anything that is not http(s)://host[:port][/path].
bool parse_base_url(const std::string& url, BaseUrl* out);

}  // namespace keyward::net
