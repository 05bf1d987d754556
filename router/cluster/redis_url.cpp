#include "router/cluster/redis_url.h"

#include <cctype>

namespace keyward::cluster {

namespace {

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (unsigned char c : s)
    if (!std::isdigit(c)) return false;
  return true;
}

// "%40" -> "@": a password may hold URL-reserved characters.
bool percent_decode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      *out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
      return false;
    *out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  return true;
}

}  // namespace

std::string RedisUrl::display() const {
  std::string pw = password.empty() ? "" : ":***@";
  if (kind == Kind::unix_socket)
    return "unix://" + path + (db || !password.empty() ? "?db=" + std::to_string(db) : "") +
           (password.empty() ? "" : "&password=***");
  return "redis://" + pw + host + ":" + std::to_string(port) + "/" + std::to_string(db);
}

bool parse_redis_url(const std::string& text, RedisUrl* out, std::string* error) {
  RedisUrl u;
  auto fail = [&](const std::string& why) {
    *error = "invalid Redis URL (" + why + "); expected redis://[:password@]host[:port][/db] or "
             "unix:///path/to/redis.sock[?db=N]";
    return false;
  };
  if (text.rfind("unix://", 0) == 0) {
    u.kind = RedisUrl::Kind::unix_socket;
    std::string rest = text.substr(7);
    std::string query;
    if (auto q = rest.find('?'); q != std::string::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (rest.empty() || rest[0] != '/') return fail("the socket path must be absolute");
    u.path = rest;
    size_t pos = 0;
    while (pos < query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string::npos) amp = query.size();
      std::string kv = query.substr(pos, amp - pos);
      pos = amp + 1;
      auto eq = kv.find('=');
      std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (k == "db") {
        if (!all_digits(v)) return fail("db must be a number");
        u.db = std::stoi(v);
      } else if (k == "password") {
        if (!percent_decode(v, &u.password)) return fail("bad %-escape in the password");
      } else {
        return fail("unknown parameter '" + k + "'");
      }
    }
  } else if (text.rfind("redis://", 0) == 0) {
    std::string rest = text.substr(8);
    std::string path;
    if (auto slash = rest.find('/'); slash != std::string::npos) {
      path = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
    }
    if (auto at = rest.rfind('@'); at != std::string::npos) {
      std::string userinfo = rest.substr(0, at);
      rest = rest.substr(at + 1);
      auto colon = userinfo.find(':');
      if (colon == std::string::npos) return fail("the password comes after a ':' (redis://:password@host)");
      if (!percent_decode(userinfo.substr(colon + 1), &u.password)) return fail("bad %-escape in the password");
    }
    if (rest.empty()) return fail("no host");
    if (rest.front() == '[') {  // [::1]:6379
      auto close = rest.find(']');
      if (close == std::string::npos) return fail("unclosed '[' in the host");
      u.host = rest.substr(1, close - 1);
      rest = rest.substr(close + 1);
      if (!rest.empty() && rest[0] != ':') return fail("junk after the host");
      if (!rest.empty()) rest = rest.substr(1);
      else rest.clear();
      if (!rest.empty()) {
        if (!all_digits(rest)) return fail("port must be a number");
        u.port = std::stoi(rest);
      }
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
      u.host = rest.substr(0, colon);
      std::string port = rest.substr(colon + 1);
      if (!all_digits(port)) return fail("port must be a number");
      u.port = std::stoi(port);
    } else {
      u.host = rest;
    }
    if (u.host.empty()) return fail("no host");
    if (u.port <= 0 || u.port > 65535) return fail("port out of range");
    if (!path.empty()) {
      if (!all_digits(path)) return fail("db must be a number");
      u.db = std::stoi(path);
    }
  } else {
    return fail("unknown scheme");
  }
  *out = std::move(u);
  return true;
}

}  // namespace keyward::cluster
