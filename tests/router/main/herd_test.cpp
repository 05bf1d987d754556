// The thundering herd, black-box: `keyward serve` as App builds it (the real
// listener, route driver and provider client) against the fakes. Every key
// worked once, long enough ago that the router holds no fresh proof of it;
// then all six keys go bad at the fakes and N requests arrive at once, each on
// its own connection. Each bad key must be called once in total (one probe;
// the requests behind it wait for its verdict instead of calling it too), and
// every answer is the founding scenario's emergency JSON.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/router/main/app_test_world.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

const std::vector<std::pair<std::string, std::string>> kKeys = {
    {"groq", "sk-proj-EXPIRED-AAA"}, {"groq", "sk-proj-EXPIRED-BBB"}, {"groq", "sk-proj-EXPIRED-CCC"},
    {"gemini", "AIza-EXPIRED-XXX"},  {"gemini", "AIza-EXPIRED-YYY"},  {"mistral", "msk-EXPIRED-ZZZ"}};

struct Answer {
  std::string bytes;
  bool closed = false;
};

// Opens `n` connections, sends one request on each (Connection: close), then
// reads every answer to its end: the requests are in the router together.
std::vector<Answer> fire_at_once(int port, int n) {
  std::string body = R"({"message":"Help me fix this bug"})";
  std::string request = "POST /api/ai/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Connection: close\r\nContent-Length: " +
                        std::to_string(body.size()) + "\r\n\r\n" + body;
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0) << "connection " << i;
    fds.push_back(fd);
  }
  for (int fd : fds) EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), ssize_t(request.size()));
  std::vector<Answer> answers(fds.size());
  size_t open = fds.size();
  auto deadline = std::chrono::steady_clock::now() + 60s;  // a bound, not a timing
  while (open > 0 && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> pfds;
    std::vector<size_t> which;
    for (size_t i = 0; i < fds.size(); ++i)
      if (!answers[i].closed) {
        pfds.push_back({fds[i], POLLIN, 0});
        which.push_back(i);
      }
    if (::poll(pfds.data(), pfds.size(), 1000) <= 0) continue;
    for (size_t j = 0; j < pfds.size(); ++j) {
      if (!pfds[j].revents) continue;
      char buf[4096];
      ssize_t got = ::recv(pfds[j].fd, buf, sizeof buf, 0);
      Answer& a = answers[which[j]];
      if (got > 0) {
        a.bytes.append(buf, static_cast<size_t>(got));
      } else {
        a.closed = true;
        --open;
      }
    }
  }
  for (int fd : fds) ::close(fd);
  return answers;
}

void herd(int n) {
  test::AppWorld w;
  for (const char* p : {"groq", "gemini", "mistral"}) w.world->provider(p)->set_default_key_state(fakes::KeyState::valid);
  App app(w.options());
  std::string error;
  ASSERT_TRUE(app.start(&error)) << error;
  // Groq key 1 answers: the router holds proof that it works (the others were
  // never called, so they are doubtful already).
  ASSERT_EQ(test::http_chat(app, "warm up")->status, 200);
  // The proof grows old: past routing.probe_fresh_for (30 s by default) a key
  // is doubtful again, as after a quiet night.
  w.clock.advance(31s);
  for (const char* p : {"groq", "gemini", "mistral"}) w.world->provider(p)->set_default_key_state(fakes::KeyState::revoked);
  std::map<std::string, uint64_t> before;
  for (const auto& [p, k] : kKeys) before[k] = w.world->provider(p)->requests_for_key(k);

  auto answers = fire_at_once(app.service().port(), n);

  int emergencies = 0;
  for (const auto& a : answers) {
    auto head_end = a.bytes.find("\r\n\r\n");
    ASSERT_NE(head_end, std::string::npos) << "no answer: " << a.bytes;
    EXPECT_EQ(a.bytes.rfind("HTTP/1.1 503", 0), 0u) << a.bytes.substr(0, 200);
    auto body = nlohmann::json::parse(a.bytes.substr(head_end + 4), nullptr, false);
    if (!body.is_discarded() && body.value("model", "") == "emergency/fallback" &&
        body.value("error", "") == "all_authentication_failed")
      ++emergencies;
  }
  EXPECT_EQ(emergencies, n) << "every answer is the emergency JSON for failed authentication";
  for (const auto& [p, k] : kKeys)
    EXPECT_EQ(w.world->provider(p)->requests_for_key(k) - before[k], 1u) << p << " " << k << ": one probe, no herd";
  app.stop();
}

TEST(Herd, TwoHundredRequestsAtOnceCallEachBadKeyOnce) { herd(200); }

TEST(Herd, TwoThousandRequestsAtOnceCallEachBadKeyOnce) { herd(2000); }

}  // namespace
}  // namespace keyward
