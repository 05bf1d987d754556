// http_call against a scripted raw-socket provider: what goes on the wire, and
// when a pooled connection is (not) reused.
#include "router/http/http_call.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace keyward::http::test {
namespace {

// Accepts `connections` connections one after another; on each reads one
// request head (and its body, by Content-Length) and writes `response`, then
// closes the connection when `close_after` is set. Records the raw requests.
class ScriptedProvider {
 public:
  ScriptedProvider(std::string response, int connections, bool close_after)
      : response_(std::move(response)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(listener_, 4);
    thread_ = std::thread([this, connections, close_after] {
      for (int c = 0; c < connections; ++c) {
        int fd = ::accept(listener_, nullptr, nullptr);
        if (fd < 0) return;
        // Serve requests on this connection until the client closes it.
        while (serve_one(fd) && !close_after) {
        }
        ::close(fd);
        if (close_after) closed_[c].set_value();
      }
    });
  }
  ~ScriptedProvider() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  BaseUrl base() const {
    BaseUrl b;
    EXPECT_TRUE(parse_base_url("http://127.0.0.1:" + std::to_string(port_) + "/v1", &b));
    return b;
  }
  std::future<void> closed(int connection) { return closed_[connection].get_future(); }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  bool serve_one(int fd) {
    std::string in;
    char buf[4096];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    size_t length = 0;
    if (auto cl = in.find("Content-Length: "); cl != std::string::npos) length = std::stoul(in.substr(cl + 16));
    while (in.size() < head_end + 4 + length) {
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(in);
    }
    return ::send(fd, response_.data(), response_.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(response_.size());
  }

  std::string response_;
  int listener_;
  int port_ = 0;
  std::promise<void> closed_[4];
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

HttpRequest post(std::string secret) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/chat/completions";
  r.headers = {{"Authorization", "Bearer " + secret}};
  r.body = R"({"model":"m"})";
  r.secret = std::move(secret);
  return r;
}

TEST(HttpCall, TheRequestIsOneWellFormedMessageAndAKeyCannotInjectHeaders) {
  ScriptedProvider provider(kOk, 1, false);
  ClientPool pool;
  const BaseUrl base = provider.base();
  AttemptResult r = http_call(pool, base, post("sk-bad\r\nX-Injected: 1"), {}, nullptr);
  EXPECT_EQ(r.transport, TransportError::none);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
  pool.clear();  // closes the connection, so the provider thread can finish
  auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::string& wire = requests[0];
  EXPECT_EQ(wire.rfind("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:", 0), 0u) << wire;
  EXPECT_NE(wire.find("\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"model\":\"m\"}"),
            std::string::npos)
      << wire;
  EXPECT_EQ(wire.find("\r\nX-Injected"), std::string::npos) << wire;
  EXPECT_NE(wire.find("Authorization: Bearer sk-bad  X-Injected: 1\r\n"), std::string::npos) << wire;
}

TEST(HttpCall, AKeptAliveConnectionIsReused) {
  ScriptedProvider provider(kOk, 1, false);
  ClientPool pool;
  const BaseUrl base = provider.base();
  for (int i = 0; i < 3; ++i) {
    AttemptResult r = http_call(pool, base, post("sk-proj-1234"), {}, nullptr);
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(pool.idle_count(), 1u) << i;
  }
  pool.clear();
  EXPECT_EQ(provider.requests().size(), 3u) << "three requests over the one connection the provider accepts";
}

TEST(HttpCall, AConnectionTheProviderClosedWhileIdleIsNotReused) {
  // Keep-alive answer, then the provider hangs up (as servers do after their
  // idle timeout). The next call must open a new connection, not fail.
  ScriptedProvider provider(kOk, 2, true);
  ClientPool pool;
  const BaseUrl base = provider.base();
  auto first_closed = provider.closed(0);
  EXPECT_EQ(http_call(pool, base, post("sk-proj-1234"), {}, nullptr).status, 200);
  EXPECT_EQ(pool.idle_count(), 1u);
  first_closed.wait();
  AttemptResult second = http_call(pool, base, post("sk-proj-1234"), {}, nullptr);
  EXPECT_EQ(second.transport, TransportError::none);
  EXPECT_EQ(second.status, 200);
  pool.clear();
  EXPECT_EQ(provider.requests().size(), 2u);
}

// One call to a provider that answers `response` and hangs up.
struct OneCall {
  AttemptResult result;
  size_t idle_after;  // connections the pool kept
};
OneCall call_once(const std::string& response) {
  ScriptedProvider provider(response, 1, true);
  ClientPool pool;
  AttemptResult r = http_call(pool, provider.base(), post("sk-proj-1234"), {}, nullptr);
  return {r, pool.idle_count()};
}

TEST(HttpCall, AnAnswerCutMidBodyIsTruncatedAndAGarbledOneUnreadable) {
  OneCall cut = call_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"choices\":");
  EXPECT_EQ(cut.result.transport, TransportError::truncated_body);
  EXPECT_EQ(cut.result.status, 200);
  EXPECT_EQ(cut.idle_after, 0u);

  OneCall garbled = call_once("SSH-2.0-OpenSSH_9.2\r\n\r\n");
  EXPECT_EQ(garbled.result.transport, TransportError::read_failed);
  EXPECT_EQ(garbled.result.status, 0);
  EXPECT_EQ(garbled.idle_after, 0u);
}

}  // namespace
}  // namespace keyward::http::test
