#pragma once
// Shared by the fake-provider tests: a provider on a loopback port 0 with a
// SimClock, request helpers per wire format, and a raw-socket client for
// faults that break HTTP (resets, cuts, hangs).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/key_mask.h"
#include "base/utc_time.h"
#include "fakes/provider.h"

namespace keyward::fakes::testing {

inline WallTime at(const char* iso) {
  WallTime t;
  parse_iso8601(iso, &t);
  return t;
}

inline ProviderOptions options_for(ProviderKind kind) {
  ProviderOptions o;
  o.kind = kind;
  o.name = to_string(kind);
  o.seed = 7;
  o.default_key_state = KeyState::invalid;
  o.keys["sk-good-1-abcdefghijkl"] = KeySpec{KeyState::valid, -1, std::nullopt};
  o.keep_alive_timeout_s = 1;
  return o;
}

constexpr const char* kGoodKey = "sk-good-1-abcdefghijkl";

inline std::string chat_path(const FakeProvider& p, bool stream) {
  if (p.kind() == ProviderKind::gemini) {
    std::string model = p.options().model.empty() ? "gemini-1.5-flash" : p.options().model;
    return "/v1beta/models/" + model +
           (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
  }
  return std::string(p.kind() == ProviderKind::groq ? "/openai/v1" : "/v1") + "/chat/completions";
}

inline std::string models_path(const FakeProvider& p) {
  if (p.kind() == ProviderKind::gemini) return "/v1beta/models";
  return std::string(p.kind() == ProviderKind::groq ? "/openai/v1" : "/v1") + "/models";
}

inline std::string chat_body(ProviderKind kind, const std::string& prompt, bool stream) {
  if (kind == ProviderKind::gemini) {
    return nlohmann::json{{"contents", {{{"role", "user"}, {"parts", {{{"text", prompt}}}}}}}}
        .dump();
  }
  return nlohmann::json{
      {"model", "m"}, {"messages", {{{"role", "user"}, {"content", prompt}}}}, {"stream", stream}}
      .dump();
}

inline httplib::Headers auth_headers(ProviderKind kind, const std::string& key) {
  if (key.empty()) return {};
  if (kind == ProviderKind::gemini) return {{"x-goog-api-key", key}};
  return {{"Authorization", "Bearer " + key}};
}

// A started fake plus a client; the client goes first on destruction so that
// no keep-alive connection holds the server's stop.
struct Fake {
  SimClock clock{at("2025-11-18T08:00:00Z")};
  std::unique_ptr<FakeProvider> provider;
  std::unique_ptr<httplib::Client> client;

  explicit Fake(ProviderOptions o, bool adjustable_clock = true) {
    provider = std::make_unique<FakeProvider>(
        std::move(o), clock, adjustable_clock ? clock_control(clock) : ClockControl{});
    provider->start();
    client = std::make_unique<httplib::Client>(provider->root_url());
    client->set_read_timeout(std::chrono::seconds(5));
    client->set_tcp_nodelay(true);
  }
  explicit Fake(ProviderKind kind) : Fake(options_for(kind)) {}
  ~Fake() {
    client.reset();
    provider->stop();
  }
  ProviderKind kind() const { return provider->kind(); }

  httplib::Result chat(const std::string& key, const std::string& prompt = "Help me fix this bug",
                       bool stream = false) {
    return client->Post(chat_path(*provider, stream).c_str(), auth_headers(kind(), key),
                        chat_body(kind(), prompt, stream), "application/json");
  }
  httplib::Result models(const std::string& key) {
    return client->Get(models_path(*provider).c_str(), auth_headers(kind(), key));
  }
  // The raw HTTP/1.1 request text of a chat call (Connection: close).
  std::string raw_chat(const std::string& key, const std::string& prompt = "Hello there",
                       bool stream = false) const {
    std::string body = chat_body(provider->kind(), prompt, stream);
    std::string req = "POST " + chat_path(*provider, stream) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (auto& [k, v] : auth_headers(provider->kind(), key)) req += k + ": " + v + "\r\n";
    req += "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
    return req;
  }
};

inline nlohmann::json json_of(const httplib::Result& r) {
  return nlohmann::json::parse(r->body, nullptr, false);
}

// The payloads of "data: " lines of an SSE body (either \n\n or \r\n\r\n framing).
inline std::vector<std::string> sse_data(const std::string& body) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    auto end = body.find_first_of("\r\n", pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

struct RawResult {
  std::string data;
  bool reset = false;      // ECONNRESET
  bool eof = false;        // orderly close
  bool timed_out = false;  // nothing more within the wait
};

// Sends `request` and reads until close, reset, or `idle` passes with no data.
inline RawResult raw_exchange(int port, const std::string& request,
                              std::chrono::milliseconds idle = std::chrono::milliseconds(2000)) {
  RawResult r;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    r.reset = true;
    return r;
  }
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(idle.count()));
    if (n == 0) {
      r.timed_out = true;
      break;
    }
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    if (got > 0) {
      r.data.append(buf, static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0)
      r.eof = true;
    else if (errno == ECONNRESET)
      r.reset = true;
    break;
  }
  close(fd);
  return r;
}

}  // namespace keyward::fakes::testing
