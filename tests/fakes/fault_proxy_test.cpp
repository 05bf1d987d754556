// The fault proxy between a client and a real redis-server (on a unix
// socket): it passes bytes both ways, and each fault breaks the path as named.
#include "fakes/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>

#include "fakes/redis_server.h"

namespace keyward::fakes {
namespace {

using namespace std::chrono_literals;

int dial(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};  // a bound, should the proxy misbehave
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

// PING on `fd`: the reply's first bytes, "" on EOF; errno_out on an error.
std::string ping(int fd, int* errno_out = nullptr) {
  if (::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) != 6) {
    if (errno_out) *errno_out = errno;
    return "";
  }
  char buf[16] = {0};
  ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  if (n < 0 && errno_out) *errno_out = errno;
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

bool eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);  // polling
  return done();
}

struct ProxyToRedis : ::testing::Test {
  RedisServer redis;
  FaultProxy proxy{ProxyUpstream{redis.socket()}};
  void SetUp() override {
    ASSERT_TRUE(redis.ready());
    std::string error;
    ASSERT_TRUE(proxy.start(&error)) << error;
  }
};

TEST_F(ProxyToRedis, PassesBytesBothWays) {
  int fd = dial(proxy.port());
  EXPECT_EQ(ping(fd), "+PONG\r\n");
  EXPECT_EQ(ping(fd), "+PONG\r\n");  // the same connection, again
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 1; }));
  ::close(fd);
}

TEST_F(ProxyToRedis, DownClosesOpenConnectionsAndRefusesNewOnesUntilHealed) {
  int open = dial(proxy.port());
  ASSERT_EQ(ping(open), "+PONG\r\n");
  proxy.set_down(true);
  EXPECT_EQ(ping(open), "");  // EOF: the path broke under the client
  int fresh = dial(proxy.port());
  EXPECT_EQ(ping(fresh), "");  // accepted and closed at once
  EXPECT_TRUE(eventually([&] { return proxy.open_connections() == 0; }));
  proxy.set_down(false);
  int healed = dial(proxy.port());
  EXPECT_EQ(ping(healed), "+PONG\r\n");
  for (int fd : {open, fresh, healed}) ::close(fd);
}

TEST_F(ProxyToRedis, ResetSendsAnRstToOpenConnectionsOnly) {
  int open = dial(proxy.port());
  ASSERT_EQ(ping(open), "+PONG\r\n");
  ASSERT_TRUE(eventually([&] { return proxy.open_connections() == 1; }));
  proxy.reset_connections();
  ASSERT_TRUE(eventually([&] { return proxy.open_connections() == 0; }));
  int error = 0;
  char c;
  EXPECT_EQ(::recv(open, &c, 1, 0), -1);
  error = errno;
  EXPECT_EQ(error, ECONNRESET);
  int next = dial(proxy.port());
  EXPECT_EQ(ping(next), "+PONG\r\n");  // a one-off: new connections pass
  for (int fd : {open, next}) ::close(fd);
}

TEST_F(ProxyToRedis, LatencyDelaysEveryChunk) {
  int fd = dial(proxy.port());
  proxy.set_latency(Millis(150));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(ping(fd), "+PONG\r\n");
  // Both directions wait: at least twice the latency (a lower bound only).
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
  proxy.set_latency(Millis(0));
  EXPECT_EQ(ping(fd), "+PONG\r\n");
  ::close(fd);
}

TEST(FaultProxy, UnreachableUpstreamClosesTheClient) {
  FaultProxy proxy{ProxyUpstream{"/nonexistent/redis.sock"}};
  std::string error;
  ASSERT_TRUE(proxy.start(&error)) << error;
  int fd = dial(proxy.port());
  EXPECT_EQ(ping(fd), "");
  EXPECT_EQ(proxy.accepted(), 1u);
  ::close(fd);
}

}  // namespace
}  // namespace keyward::fakes
