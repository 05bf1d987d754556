// The provider client against raw loopback providers: what goes on the wire,
// keep-alive reuse, and every way an answer can be wrong, slow or too big.
#include "router/net/upstream_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "tests/router/net/raw_provider.h"
#include "tests/router/net/upstream_test_util.h"

namespace keyward::net::test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

// Answers every request of every connection with `response` (keep-alive).
RawProvider::Serve answer_all(std::string response) {
  return [response](RawProvider& p, int fd, int) {
    while (!p.read_request(fd).empty())
      if (!RawProvider::send_all(fd, response)) return;
  };
}

// Answers one request with `response`, then hangs up.
RawProvider::Serve answer_once(std::string response) {
  return [response](RawProvider& p, int fd, int) {
    if (!p.read_request(fd).empty()) RawProvider::send_all(fd, response);
  };
}

TEST(UpstreamClient, TheRequestIsOneWellFormedMessageAndAKeyCannotInjectHeaders) {
  RawProvider provider(answer_all(kOk));
  ClientOnLoop c;
  AttemptResult r = call_and_wait(*c.client, base_of(provider.base_url()), post("sk-bad\r\nX-Injected: 1"));
  EXPECT_EQ(r.transport, TransportError::none);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{}");
  c.client->close_idle();
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

TEST(UpstreamClient, APathCannotSplitTheRequestLine) {
  RawProvider provider(answer_all(kOk));
  ClientOnLoop c;
  UpstreamRequest req = post("sk-proj-1234");
  req.path = "/models/a b\r\nX-Injected: 1:generateContent";
  EXPECT_EQ(call_and_wait(*c.client, base_of(provider.base_url()), req).status, 200);
  c.client->close_idle();
  auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].rfind("POST /v1/models/a%20b%0D%0AX-Injected:%201:generateContent HTTP/1.1\r\n", 0), 0u)
      << requests[0];
}

TEST(UpstreamClient, AKeptAliveConnectionIsReused) {
  RawProvider provider(answer_all(kOk));
  ClientOnLoop c;
  const BaseUrl base = base_of(provider.base_url());
  for (int i = 0; i < 3; ++i) {
    AttemptResult r = call_and_wait(*c.client, base, post("sk-proj-1234"));
    EXPECT_EQ(r.status, 200) << i;
    EXPECT_EQ(c.client->idle_count(), 1u) << i;
  }
  EXPECT_EQ(provider.accepted(), 1);
  c.client->close_idle();
  EXPECT_EQ(c.client->idle_count(), 0u);
  EXPECT_TRUE(provider.wait_closed(1));
  EXPECT_EQ(provider.requests().size(), 3u) << "three requests over one connection";
}

TEST(UpstreamClient, AConnectionTheProviderClosedWhileIdleIsNotReused) {
  // Keep-alive answer, then the provider hangs up (as servers do after their
  // idle timeout). The next call must open a new connection, not fail.
  RawProvider provider(answer_once(kOk));
  ClientOnLoop c;
  const BaseUrl base = base_of(provider.base_url());
  EXPECT_EQ(call_and_wait(*c.client, base, post("sk-proj-1234")).status, 200);
  EXPECT_EQ(c.client->idle_count(), 1u);
  ASSERT_TRUE(provider.wait_closed(1));
  AttemptResult second = call_and_wait(*c.client, base, post("sk-proj-1234"));
  EXPECT_EQ(second.transport, TransportError::none);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(provider.accepted(), 2);
  EXPECT_EQ(provider.requests().size(), 2u);
}

TEST(UpstreamClient, AReusedConnectionClosedUnderTheRequestIsRetriedOnceOnAFreshOne) {
  // The race no idle check can see: the provider takes the second request on
  // the kept-alive connection and hangs up without a byte of answer.
  RawProvider provider([](RawProvider& p, int fd, int n) {
    if (p.read_request(fd).empty()) return;
    if (n == 0) {
      RawProvider::send_all(fd, kOk);
      p.read_request(fd);  // the reused connection's request: dropped
      return;
    }
    RawProvider::send_all(fd, kOk);
    RawProvider::drain(fd);
  });
  ClientOnLoop c;
  const BaseUrl base = base_of(provider.base_url());
  EXPECT_EQ(call_and_wait(*c.client, base, post("sk-proj-1234")).status, 200);
  AttemptResult second = call_and_wait(*c.client, base, post("sk-proj-1234"));
  EXPECT_EQ(second.transport, TransportError::none);
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(provider.accepted(), 2);
  EXPECT_EQ(provider.requests().size(), 3u);
}

// One call to a provider that answers `response` and hangs up.
struct OneCall {
  AttemptResult result;
  size_t idle_after;  // connections the pool kept
};
OneCall call_once(const std::string& response, UpstreamOptions options = {}) {
  RawProvider provider(answer_once(response));
  ClientOnLoop c(options);
  AttemptResult r = call_and_wait(*c.client, base_of(provider.base_url()), post("sk-proj-1234"));
  return {r, c.client->idle_count()};
}

TEST(UpstreamClient, AnAnswerCutMidBodyIsTruncatedAndAGarbledOneUnreadable) {
  OneCall cut = call_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"choices\":");
  EXPECT_EQ(cut.result.transport, TransportError::truncated_body);
  EXPECT_EQ(cut.result.status, 200);
  EXPECT_EQ(cut.idle_after, 0u);

  OneCall cut_chunked = call_once("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
  EXPECT_EQ(cut_chunked.result.transport, TransportError::truncated_body);

  OneCall garbled = call_once("SSH-2.0-OpenSSH_9.2\r\n\r\n");
  EXPECT_EQ(garbled.result.transport, TransportError::read_failed);
  EXPECT_EQ(garbled.result.status, 0);
  EXPECT_EQ(garbled.idle_after, 0u);

  OneCall bad_chunk = call_once("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
  EXPECT_EQ(bad_chunk.result.transport, TransportError::read_failed);

  OneCall two_lengths = call_once("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
  EXPECT_EQ(two_lengths.result.transport, TransportError::read_failed);

  OneCall nothing = call_once("");
  EXPECT_EQ(nothing.result.transport, TransportError::connection_reset);
  EXPECT_EQ(nothing.result.status, 0);
}

TEST(UpstreamClient, ABodyThatRunsToTheCloseIsCompleteButEndsTheConnection) {
  OneCall r = call_once("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\":1}");
  EXPECT_EQ(r.result.transport, TransportError::none);
  EXPECT_EQ(r.result.body, "{\"a\":1}");
  EXPECT_EQ(r.idle_after, 0u);
}

TEST(UpstreamClient, InterimAnswersAreSkippedAndConnectionCloseIsHonoured) {
  OneCall r = call_once(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 4\r\n\r\nnope");
  EXPECT_EQ(r.result.transport, TransportError::none);
  EXPECT_EQ(r.result.status, 401);
  EXPECT_EQ(r.result.body, "nope");
  EXPECT_EQ(r.idle_after, 0u);
}

TEST(UpstreamClient, BytesAfterTheAnswerMakeTheConnectionUnusable) {
  OneCall r = call_once(kOk + "HTTP/1.1 200 OK\r\n");
  EXPECT_EQ(r.result.status, 200);
  EXPECT_EQ(r.idle_after, 0u);
}

TEST(UpstreamClient, TheHeadIsBounded) {
  UpstreamOptions small;
  small.max_head_bytes = 1024;
  std::string big_head = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(4096, 'a') + "\r\nContent-Length: 2\r\n\r\n{}";
  OneCall r = call_once(big_head, small);
  EXPECT_EQ(r.result.transport, TransportError::read_failed);
  EXPECT_EQ(r.idle_after, 0u);
  EXPECT_EQ(call_once(kOk, small).result.status, 200);
}

TEST(UpstreamClient, TheBodyIsBoundedWhateverItsFraming) {
  UpstreamOptions small;
  small.max_body_bytes = 64;
  const std::string body(100, 'x');
  OneCall declared = call_once("HTTP/1.1 401 Unauthorized\r\nContent-Length: 100\r\n\r\n" + body, small);
  EXPECT_EQ(declared.result.transport, TransportError::body_too_large);
  OneCall chunked = call_once("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" + std::string(64, 'x') +
                                  "\r\n40\r\n" + std::string(64, 'y') + "\r\n0\r\n\r\n",
                              small);
  EXPECT_EQ(chunked.result.transport, TransportError::body_too_large);
  OneCall unframed = call_once("HTTP/1.1 200 OK\r\n\r\n" + body, small);
  EXPECT_EQ(unframed.result.transport, TransportError::body_too_large);
  EXPECT_LE(unframed.result.body.size(), 64u);
  OneCall fits = call_once("HTTP/1.1 200 OK\r\nContent-Length: 64\r\n\r\n" + std::string(64, 'z'), small);
  EXPECT_EQ(fits.result.transport, TransportError::none);
}

TEST(UpstreamClient, HeadersTrickledLineByLineAreCutByTheCallDeadline) {
  // The status line, then one header line every 20 ms for as long as the
  // client listens: every read succeeds quickly, so only a whole-call
  // deadline can stop it.
  RawProvider provider([](RawProvider& p, int fd, int) {
    if (p.read_request(fd).empty()) return;
    RawProvider::send_all(fd, "HTTP/1.1 200 OK\r\n");
    while (p.pause(20ms))
      if (!RawProvider::send_all(fd, "X-Drip: 1\r\n")) return;
  });
  ClientOnLoop c;
  const auto t0 = SteadyClock::now();
  AttemptResult r = call_and_wait(*c.client, base_of(provider.base_url()), post("sk-proj-1234"), 300ms);
  const auto took = SteadyClock::now() - t0;
  provider.stop();
  EXPECT_EQ(r.transport, TransportError::timeout);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s) << "a provider that trickles its head holds the call past its 300 ms deadline";
}

TEST(UpstreamClient, AStreamThatStallsBetweenChunksIsCutByTheCallDeadline) {
  RawProvider provider([](RawProvider& p, int fd, int) {
    if (p.read_request(fd).empty()) return;
    RawProvider::send_all(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
    RawProvider::drain(fd);  // then nothing, until the client hangs up
  });
  ClientOnLoop c;
  std::string seen;
  AttemptResult r =
      call_and_wait(*c.client, base_of(provider.base_url()), post("sk-proj-1234"), 300ms, [&](const char* d, size_t n) {
        seen.append(d, n);
        return TransportError::none;
      });
  EXPECT_EQ(r.transport, TransportError::timeout);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(seen, "hello");
}

TEST(UpstreamClient, OnlyA2xxBodyGoesToTheConsumerAndItCanAbortTheCall) {
  RawProvider provider(
      answer_all("HTTP/1.1 401 Unauthorized\r\nContent-Length: 27\r\n\r\n{\"error\":\"Invalid API Key\"}"));
  ClientOnLoop c;
  bool consumed = false;
  AttemptResult r =
      call_and_wait(*c.client, base_of(provider.base_url()), post("sk-proj-1234"), 5s, [&](const char*, size_t) {
        consumed = true;
        return TransportError::none;
      });
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, "{\"error\":\"Invalid API Key\"}");
  EXPECT_FALSE(consumed);

  RawProvider streaming(
      answer_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n"));
  std::string seen;
  AttemptResult s =
      call_and_wait(*c.client, base_of(streaming.base_url()), post("sk-proj-1234"), 5s, [&](const char* d, size_t n) {
        seen.append(d, n);
        return TransportError::none;
      });
  EXPECT_EQ(s.transport, TransportError::none);
  EXPECT_EQ(seen, "abcdef");
  EXPECT_TRUE(s.body.empty());

  AttemptResult aborted = call_and_wait(*c.client, base_of(streaming.base_url()), post("sk-proj-1234"), 5s,
                                        [](const char*, size_t) { return TransportError::malformed_body; });
  EXPECT_EQ(aborted.transport, TransportError::malformed_body);
  c.client->close_idle();
}

TEST(UpstreamClient, TheKeyIsScrubbedFromWhatComesBack) {
  const std::string key = "sk-proj-SECRET-0123456789";
  const std::string body = "{\"error\":\"Incorrect API key provided: " + key + "\"}";
  RawProvider provider(answer_all("HTTP/1.1 401 Unauthorized\r\nX-Echo: " + key +
                                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  ClientOnLoop c;
  AttemptResult r = call_and_wait(*c.client, base_of(provider.base_url()), post(key));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body.find(key), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("sk-proj-...789"), std::string::npos) << r.body;
  for (const auto& [name, value] : r.headers) EXPECT_EQ(value.find(key), std::string::npos) << name;
  c.client->close_idle();
}

TEST(UpstreamClient, HeaderNamesComeBackLowerCase) {
  OneCall r = call_once("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(r.result.status, 429);
  bool found = false;
  for (const auto& [name, value] : r.result.headers)
    if (name == "retry-after") found = value == "7";
  EXPECT_TRUE(found);
}

TEST(UpstreamClient, AProviderThatNeverAnswersTimesOutAndOneThatIsNotThereFailsToConnect) {
  RawProvider silent([](RawProvider& p, int fd, int) {
    p.read_request(fd);
    RawProvider::drain(fd);
  });
  ClientOnLoop c;
  const auto t0 = SteadyClock::now();
  AttemptResult r = call_and_wait(*c.client, base_of(silent.base_url()), post("sk-proj-1234"), 200ms);
  EXPECT_EQ(r.transport, TransportError::timeout);
  EXPECT_LT(SteadyClock::now() - t0, 5s);

  int port;
  {
    RawProvider gone(answer_once(kOk));
    port = gone.port();
  }  // nothing listens there any more
  AttemptResult refused =
      call_and_wait(*c.client, base_of("http://127.0.0.1:" + std::to_string(port) + "/v1"), post("sk-proj-1234"));
  EXPECT_EQ(refused.transport, TransportError::connect_failed);
}

TEST(UpstreamClient, AHostNameGoesThroughTheResolver) {
  RawProvider provider(answer_all(kOk));
  ClientOnLoop c;
  AttemptResult r = call_and_wait(*c.client, base_of(provider.base_url("localhost")), post("sk-proj-1234"));
  // localhost may resolve to ::1 first; the client tries each address.
  EXPECT_EQ(r.transport, TransportError::none);
  EXPECT_EQ(r.status, 200);
  c.client->close_idle();
  auto requests = provider.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_NE(requests[0].find("\r\nHost: localhost:" + std::to_string(provider.port()) + "\r\n"), std::string::npos);
}

TEST(UpstreamClient, DestroyingTheClientEndsCallsInFlightExactlyOnce) {
  RawProvider silent([](RawProvider& p, int fd, int) {
    p.read_request(fd);
    RawProvider::drain(fd);
  });
  EventLoop loop(1);
  loop.start();
  std::atomic<int> ends{0};
  std::promise<AttemptResult> ended;
  auto f = ended.get_future();
  {
    UpstreamClient client(loop);
    client.call(base_of(silent.base_url()), post("sk-proj-1234"), Millis(60'000), nullptr, [&](AttemptResult r) {
      if (ends.fetch_add(1) == 0) ended.set_value(std::move(r));
    });
    ASSERT_TRUE(silent.wait_requests(1));  // the call is on the wire
  }
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(f.get().transport, TransportError::connection_reset);
  loop.stop();
  EXPECT_EQ(ends.load(), 1);
}

TEST(UpstreamClient, ACallHereEndsBeforeItReturnsOnTheCallingThreadWithAPoolOfItsOwn) {
  RawProvider provider(answer_all(kOk));
  ClientOnLoop c;
  const BaseUrl base = base_of(provider.base_url());
  for (int i = 0; i < 3; ++i) {
    bool ended = false;
    std::thread::id on;
    c.client->call_here(base, post("sk-proj-1234"), 5s, nullptr, [&](AttemptResult r) {
      ended = true;
      on = std::this_thread::get_id();
      EXPECT_EQ(r.status, 200);
    });
    EXPECT_TRUE(ended) << i;
    EXPECT_EQ(on, std::this_thread::get_id());
    EXPECT_EQ(c.client->idle_count(), 1u) << i;
  }
  EXPECT_EQ(provider.accepted(), 1) << "the thread's own keep-alive connection, reused";
  c.client->close_idle();  // the loops' pools and this thread's
  EXPECT_EQ(c.client->idle_count(), 0u);
  EXPECT_TRUE(provider.wait_closed(1));
}

TEST(UpstreamClient, ACallHereIsBoundedByItsDeadlineToo) {
  RawProvider silent([](RawProvider& p, int fd, int) {
    p.read_request(fd);
    RawProvider::drain(fd);
  });
  ClientOnLoop c;
  AttemptResult result;
  const auto t0 = SteadyClock::now();
  c.client->call_here(base_of(silent.base_url()), post("sk-proj-1234"), 200ms, nullptr,
                      [&](AttemptResult r) { result = std::move(r); });
  EXPECT_EQ(result.transport, TransportError::timeout);
  EXPECT_GE(SteadyClock::now() - t0, 200ms);
  EXPECT_LT(SteadyClock::now() - t0, 5s);
}

}  // namespace
}  // namespace keyward::net::test
