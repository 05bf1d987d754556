// docs/RELIABILITY.md, "Bad-input matrix": one test per row that arrives over
// HTTP — from clients (malformed, deep, invalid UTF-8, huge, slow, endless
// headers) and from providers (HTML, a 1 GB body, a stream that never ends).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A blocking loopback socket whose reads give up after `recv_timeout` (a bound, not a sleep).
class RawSocket {
 public:
  RawSocket(int port, Millis recv_timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{static_cast<time_t>(recv_timeout.count() / 1000), static_cast<suseconds_t>(recv_timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawSocket() { ::close(fd_); }
  bool connected() const { return connected_; }
  // False once the peer has closed (or reset) the connection.
  bool send(const std::string& s) { return ::send(fd_, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size()); }
  // Until the peer closes or a response head has arrived (a keep-alive server
  // answers and waits); `closed` false when the recv timeout hit first.
  std::string read_all(bool* closed) {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        if (out.find("\r\n\r\n") != std::string::npos) {
          *closed = true;  // answered: as good as hung up for these tests
          return out;
        }
        continue;
      }
      *closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      return out;
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class ClientMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
    auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
    o.server.head_timeout = 300ms;
    o.server.body_timeout = 300ms;
    h.start_service(std::move(o));
  }
  Harness h;
};

TEST_F(ClientMatrix, MalformedJsonAndWrongTypesAre400WithTheField) {
  for (const char* body : {"{\"message\": \"unterminated", "{\"message\":}", "\x01\x02", "null", "\"just a string\""}) {
    auto r = h.post("/api/ai/chat", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_FALSE(body_json(r).is_discarded());
  }
  auto r = h.post("/v1/chat/completions", R"({"messages":{"role":"user"}})");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_json(r)["error"]["param"], "messages");
  r = h.post("/api/ai/chat", R"({"message":"hi","max_tokens":"many"})");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("max_tokens"), std::string::npos);
}

TEST_F(ClientMatrix, HundredThousandNestedArraysAre400NotAStackOverflow) {
  const size_t depth = 100'000;
  std::string deep = std::string(depth, '[') + std::string(depth, ']');
  for (const std::string& body : {deep, R"({"message":)" + deep + "}", R"({"message":"hi","extra":)" + deep + "}",
                                  R"({"messages":[{"role":"user","content":)" + deep + "}]}"}) {
    auto r = h.post(body.find("messages") != std::string::npos ? "/v1/chat/completions" : "/api/ai/chat", body);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << body.substr(0, 40);
    EXPECT_NE(r->body.find("nest"), std::string::npos) << r->body;
  }
  EXPECT_EQ(h.chat("still alive")->status, 200);
}

TEST_F(ClientMatrix, InvalidUtf8GetsValidJsonBack) {
  for (const std::string& msg : {std::string("caf\xe9 \xff\xfe"), std::string("\xc3\x28 half"), std::string("\xed\xa0\x80")}) {
    auto r = h.post("/api/ai/chat", std::string(R"({"message":")") + msg + "\"}");
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->status == 200 || r->status == 400) << r->status;
    EXPECT_FALSE(body_json(r).is_discarded()) << "the answer is JSON even when the question was not UTF-8";
  }
}

TEST_F(ClientMatrix, AContentLengthOfAGigabyteIs413WithoutReadingIt) {
  RawSocket s(h.service->port(), 5000ms);
  ASSERT_TRUE(s.connected());
  s.send("POST /api/ai/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{");
  bool closed = false;
  auto answer = s.read_all(&closed);
  EXPECT_NE(answer.find(" 413 "), std::string::npos) << answer.substr(0, 200);
}

TEST_F(ClientMatrix, AHugeHeaderLineIsRefused) {
  RawSocket s(h.service->port(), 5000ms);
  s.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n");
  bool closed = false;
  auto answer = s.read_all(&closed);
  EXPECT_EQ(answer.find(" 200 "), std::string::npos) << "a 64 KiB header line is not served";
  EXPECT_TRUE(closed) << "refused or hung up, not left waiting";
  EXPECT_EQ(h.chat("still alive")->status, 200);
}

TEST_F(ClientMatrix, EndlessHeadersAreCutOffByTheDisconnectedClient) {
  // 20 000 header lines (2 MB): the server either refuses or stops reading;
  // either way the connection ends and the service still answers.
  RawSocket s(h.service->port(), 5000ms);
  s.send("GET /healthz HTTP/1.1\r\nHost: x\r\n");
  std::string lines;
  for (int i = 0; i < 200; ++i) lines += "X-Endless-" + std::to_string(i) + ": " + std::string(90, 'h') + "\r\n";
  int sent = 0;
  while (sent < 100 && s.send(lines)) ++sent;
  EXPECT_EQ(h.chat("still alive")->status, 200);
}

TEST_F(ClientMatrix, ASlowClientIsDisconnectedAfterTheIoTimeout) {
  // A byte, then silence: the configured 300 ms client timeout closes it; the
  // recv bound (5 s) is only there to fail the test instead of hanging it.
  RawSocket s(h.service->port(), 5000ms);
  auto t0 = SteadyClock::now();
  ASSERT_TRUE(s.send("P"));
  bool closed = false;
  s.read_all(&closed);
  auto waited = SteadyClock::now() - t0;
  EXPECT_TRUE(closed) << "the server must hang up on a stalled client";
  EXPECT_LT(waited, 3s);
  // Half a request, then silence: the same.
  RawSocket s2(h.service->port(), 5000ms);
  t0 = SteadyClock::now();
  s2.send("POST /api/ai/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"mess");
  closed = false;
  auto answer = s2.read_all(&closed);
  EXPECT_TRUE(closed) << "answered or hung up";
  EXPECT_LT(SteadyClock::now() - t0, 3s);
  EXPECT_EQ(answer.find(" 200 "), std::string::npos) << answer;
  EXPECT_EQ(h.chat("still alive")->status, 200);
}

// ------------------------------------------------------------ providers ----

// A provider that misbehaves in one scripted way, on port 0.
class RogueProvider {
 public:
  explicit RogueProvider(std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server_.Post(R"(/.*)", handler);
    server_.Get(R"(/.*)", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(R"({"data":[{"id":"m"}]})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~RogueProvider() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/openai/v1"; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// The router with one provider (groq) pointed at `base_url`, 1 s request timeout.
void start_router(Harness& h, const std::string& base_url, size_t max_provider_body = 256 << 10) {
  RouterConfig c = default_config();
  c.providers.resize(1);
  c.providers[0].base_url = base_url;
  c.timeouts.request = 1000ms;
  c.ejection.consecutive_failures = 1000;
  ServiceOptions o;
  o.config = c;
  o.env = parse_env("GROQ_API_KEY_1=sk-proj-ROGUE-0001\n", ".env").entries;
  o.clock = &h.clock;
  o.listen = "127.0.0.1:0";
  o.journal_path = "";
  o.validate_on_start = false;
  o.server.handler_threads = 4;
  o.max_provider_body_bytes = max_provider_body;
  o.log = [](const std::string&) {};
  h.service = std::make_unique<Service>(std::move(o));
  std::string error;
  ASSERT_TRUE(h.service->start(&error)) << error;
}

TEST(ProviderMatrix, HtmlInsteadOfJsonIsAnEmergencyWithAClearCause) {
  RogueProvider rogue([](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content("<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html");
  });
  Harness h;
  start_router(h, rogue.base_url());
  auto r = h.chat("hi");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  auto j = body_json(r);
  EXPECT_EQ(j["model"], "emergency/fallback");
  EXPECT_EQ(j["providers"]["groq"]["cause"], "network") << j.dump();
}

TEST(ProviderMatrix, A502HtmlPageIsAnOutageNotACrash) {
  RogueProvider rogue([](const httplib::Request&, httplib::Response& res) {
    res.status = 502;
    res.set_content("<html><head><title>502 Bad Gateway</title></head></html>", "text/html");
  });
  Harness h;
  start_router(h, rogue.base_url());
  auto r = h.chat("hi");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(body_json(r)["providers"]["groq"]["cause"], "provider_outage");
}

TEST(ProviderMatrix, AGigabyteBodyIsCutAtTheLimit) {
  std::atomic<size_t> written{0};
  RogueProvider rogue([&](const httplib::Request&, httplib::Response& res) {
    res.set_content_provider(
        size_t{1} << 30, "application/json", [&](size_t offset, size_t, httplib::DataSink& sink) {
          static const std::string chunk(64 << 10, 'a');
          if (offset == 0) return sink.write("{\"choices\":\"", 12) && (written += 12, true);
          if (!sink.write(chunk.data(), chunk.size())) return false;
          written += chunk.size();
          return true;
        });
  });
  Harness h;
  start_router(h, rogue.base_url());
  auto t0 = SteadyClock::now();
  auto r = h.chat("hi");
  ASSERT_TRUE(r);
  EXPECT_LT(SteadyClock::now() - t0, 5s);
  EXPECT_EQ(r->status, 503);
  EXPECT_LT(written.load(), size_t{64} << 20) << "the router stopped reading long before 1 GB";
  auto attempts = h.service->status_json();
  EXPECT_NE(attempts.dump().find("body_too_large"), std::string::npos) << attempts.dump().substr(0, 2000);
}

TEST(ProviderMatrix, AStreamThatNeverEndsIsCutByTheRequestTimeout) {
  RogueProvider rogue([](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("text/event-stream", [](size_t, httplib::DataSink& sink) {
      std::string frame = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n";
      return sink.write(frame.data(), frame.size());
    });
  });
  Harness h;
  start_router(h, rogue.base_url(), size_t{1} << 30);  // only the timeout can stop it
  auto t0 = SteadyClock::now();
  auto c = h.client();
  auto r = c.Post("/v1/chat/completions",
                  R"({"messages":[{"role":"user","content":"hi"}],"stream":true})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_LT(SteadyClock::now() - t0, 6s) << "bounded by the 1 s request timeout";
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("data: "), std::string::npos);
}


// The whole-call deadline covers the header phase too: the provider client's
// timer runs from the call's start (router/net/upstream_client.cpp), not per read.
TEST(ProviderMatrix, HeadersTrickledLineByLineAreCutByTheRequestTimeout) {
  // A raw provider that answers the status line, then one header line every
  // 50 ms for up to 20 s: each read succeeds within the read timeout, so only a
  // whole-call deadline can stop it. The router's request timeout is 1 s; the
  // bound below is loose (a loaded machine) but far below the 20 s of trickle.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ::listen(listener, 4);
  socklen_t len = sizeof a;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);
  std::atomic<bool> stop{false};
  std::thread rogue([&] {
    int c = ::accept(listener, nullptr, nullptr);
    if (c < 0) return;
    char buf[4096];
    ::recv(c, buf, sizeof buf, 0);
    std::string status = "HTTP/1.1 200 OK\r\n";
    ::send(c, status.data(), status.size(), MSG_NOSIGNAL);
    auto until = SteadyClock::now() + 20s;
    while (!stop && SteadyClock::now() < until) {
      if (::send(c, "X-Drip: 1\r\n", 11, MSG_NOSIGNAL) != 11) break;
      std::this_thread::sleep_for(50ms);  // the input itself: a slow provider
    }
    ::close(c);
  });
  Harness h;
  start_router(h, "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "/openai/v1");
  auto t0 = SteadyClock::now();
  auto r = h.chat("hi");
  auto took = SteadyClock::now() - t0;
  stop = true;
  rogue.join();
  ::close(listener);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_LT(took, 10s) << "a provider that trickles headers holds the request past its 1 s timeout";
}

}  // namespace
}  // namespace keyward::http::test
