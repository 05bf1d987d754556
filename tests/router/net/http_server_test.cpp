// The listener on its own, with test handlers: asynchronous answers from other
// threads, streams with a bound on unsent bytes, a client that goes away,
// pipelining, keep-alive and its idle timeout. The attacks of issue 16 through
// the whole service are in tests/router/http/listener_attacks_test.cpp.
#include "router/net/http_server.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "tests/router/net/raw_client.h"

namespace keyward::net::test {
namespace {

// Records what the handler saw; waits on it with a bound.
struct Seen {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<HttpRequest> requests;
  int gone = 0;

  void add(const HttpRequest& r) {
    std::lock_guard lock(mu);
    requests.push_back(r);
    cv.notify_all();
  }
  template <typename Pred>
  bool wait(Pred pred, std::chrono::milliseconds bound = 10'000ms) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, bound, pred);
  }
};

HttpResponse text(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

class Listener : public ::testing::Test {
 protected:
  void start(HttpHandler handler, HttpServerOptions o = {}) {
    o.log = [this](const std::string& line) {
      std::lock_guard lock(log_mu);
      logs += line + "\n";
    };
    loop.start();
    server = std::make_unique<HttpServer>(loop, o, std::move(handler));
    std::string error;
    ASSERT_TRUE(server->start(&error)) << error;
  }
  // Answers "<METHOD> <target> <body bytes>" at once, on the loop.
  void start_echo(HttpServerOptions o = {}) {
    start(
        [this](HttpRequest q, std::shared_ptr<Responder> r) {
          seen.add(q);
          r->send(text(200, q.method + " " + q.target + " " + std::to_string(q.body.size())));
        },
        o);
  }
  void TearDown() override {
    if (server) server->stop();
    loop.stop();
  }
  std::string get(const std::string& target) { return "GET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n"; }
  // Returns once everything queued on the loop before it has run.
  void sync_loop() {
    std::promise<void> done;
    loop.post(0, [&] { done.set_value(); });
    done.get_future().wait();
  }

  EventLoop loop{1};
  std::unique_ptr<HttpServer> server;
  Seen seen;
  std::mutex log_mu;
  std::string logs;
};

TEST_F(Listener, AHandlerMayAnswerLaterFromAnotherThread) {
  std::vector<std::thread> workers;
  std::mutex mu;
  start([&](HttpRequest q, std::shared_ptr<Responder> r) {
    std::lock_guard lock(mu);
    workers.emplace_back([q = std::move(q), r] { r->send(text(200, "later " + q.target)); });
  });
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all(get("/a") + get("/b")));
  EXPECT_EQ(body_of(c.read_response()), "later /a");
  EXPECT_EQ(body_of(c.read_response()), "later /b");
  std::lock_guard lock(mu);
  for (auto& t : workers) t.join();
}

TEST_F(Listener, PipelinedRequestsAreAnsweredInOrderEvenWhenTheFirstAnswerComesLast) {
  // The first request is answered from another thread after a wait; the
  // others at once. The answers must still leave in request order.
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<Responder> first;
  std::vector<std::string> targets;
  start([&](HttpRequest q, std::shared_ptr<Responder> r) {
    std::lock_guard lock(mu);
    targets.push_back(q.target);
    if (q.target == "/1")
      first = r;
    else
      r->send(text(200, q.target));
    cv.notify_all();
  });
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all(get("/1") + get("/2") + get("/3")));
  std::thread late([&] {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 10s, [&] { return first != nullptr; });
    if (first) first->send(text(200, "/1"));
  });
  EXPECT_EQ(body_of(c.read_response()), "/1");
  EXPECT_EQ(body_of(c.read_response()), "/2");
  EXPECT_EQ(body_of(c.read_response()), "/3");
  late.join();
  std::lock_guard lock(mu);
  EXPECT_EQ(targets, (std::vector<std::string>{"/1", "/2", "/3"}));
}

TEST_F(Listener, AResponderDroppedWithoutAnAnswerAnswers500) {
  start([](HttpRequest, std::shared_ptr<Responder>) {});
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all(get("/x")));
  auto r = c.read_response();
  EXPECT_EQ(status_of(r), 500);
  EXPECT_NE(r.find("internal_error"), std::string::npos);
}

TEST_F(Listener, AStreamIsChunkedAndEnds) {
  start([](HttpRequest, std::shared_ptr<Responder> r) {
    r->start_stream(200, "text/event-stream", {{"Cache-Control", "no-cache"}});
    EXPECT_TRUE(r->write("data: 1\n\n"));
    EXPECT_TRUE(r->write("data: 2\n\n"));
    r->end();
  });
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all(get("/s")));
  auto r = c.read_response();
  EXPECT_EQ(status_of(r), 200);
  EXPECT_NE(r.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_NE(r.find("Cache-Control: no-cache\r\n"), std::string::npos);
  EXPECT_NE(r.find("9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n"), std::string::npos) << r;
  // Kept alive: the next request on the same connection is served.
  ASSERT_TRUE(c.send_all(get("/s")));
  EXPECT_EQ(status_of(c.read_response()), 200);
}

TEST_F(Listener, AStreamToAClientThatDoesNotReadIsCutOffAtTheUnsentBound) {
  // The client never reads. The handler produces 64 KiB pieces for as long
  // as write() accepts them: the listener must refuse once the client is
  // max_unsent_bytes behind (after the socket buffers filled), not buffer the
  // whole stream.
  HttpServerOptions o;
  o.max_unsent_bytes = 256 << 10;
  o.write_timeout = 300ms;  // how long the producer waits for the client to take bytes
  std::mutex mu;
  std::condition_variable cv;
  size_t accepted_bytes = 0;
  bool refused = false, finished = false;
  std::thread producer;
  start(
      [&](HttpRequest, std::shared_ptr<Responder> r) {
        producer = std::thread([&, r] {
          r->start_stream(200, "application/octet-stream", {});
          const std::string piece(64 << 10, 'x');
          bool ok = true;
          size_t n = 0;
          // Bounded: 1 GiB is far beyond any socket buffer.
          for (int i = 0; i < (1 << 14) && ok; ++i) {
            ok = r->write(piece);
            if (ok) n += piece.size();
          }
          std::lock_guard lock(mu);
          accepted_bytes = n;
          refused = !ok;
          finished = true;
          cv.notify_all();
        });
      },
      o);
  RawClient c(server->port());
  int rcvbuf = 64 << 10;
  ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  ASSERT_TRUE(c.send_all(get("/big")));
  {
    std::unique_lock lock(mu);
    EXPECT_TRUE(cv.wait_for(lock, 60s, [&] { return finished; }));
  }
  if (producer.joinable()) producer.join();
  EXPECT_TRUE(refused) << "accepted " << accepted_bytes << " bytes for a client that reads nothing";
  sync_loop();  // the cut was queued on the loop before write() said no
  // Cut by whichever noticed first: the producer's wait for room, or the
  // connection's own write deadline (both write_timeout).
  auto counters = server->counters();
  EXPECT_EQ(counters.slow_readers_cut + counters.write_timeouts, 1u);
  EXPECT_TRUE(c.read_until_closed(10s));
}

TEST_F(Listener, AFastProducerWaitsForAReadingClientInsteadOfCuttingItOff) {
  // 16 MiB in 64 KiB pieces from a thread, far faster than the loop writes:
  // the unsent bound holds the producer back, and the client gets it all.
  HttpServerOptions o;
  o.max_unsent_bytes = 256 << 10;
  const size_t pieces = 256;
  std::thread producer;
  std::atomic<bool> all_accepted{false};
  start(
      [&](HttpRequest, std::shared_ptr<Responder> r) {
        producer = std::thread([&, r] {
          r->start_stream(200, "application/octet-stream", {});
          const std::string piece(64 << 10, 'y');
          bool ok = true;
          for (size_t i = 0; i < pieces && ok; ++i) ok = r->write(piece);
          all_accepted = ok;
          r->end();
        });
      },
      o);
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all(get("/big")));
  auto r = c.read_response(60s);
  if (producer.joinable()) producer.join();
  EXPECT_TRUE(all_accepted);
  EXPECT_GE(r.size(), pieces * (64 << 10)) << "the whole stream arrived";
  EXPECT_EQ(server->counters().slow_readers_cut, 0u);
}

TEST_F(Listener, AClientThatGoesAwayIsReported) {
  std::shared_ptr<Responder> held;
  std::mutex mu;
  std::condition_variable cv;
  bool gone = false;
  start([&](HttpRequest, std::shared_ptr<Responder> r) {
    r->on_client_gone([&] {
      std::lock_guard lock(mu);
      gone = true;
      cv.notify_all();
    });
    r->start_stream(200, "text/event-stream", {});
    std::lock_guard lock(mu);
    held = r;
    cv.notify_all();
  });
  {
    RawClient c(server->port());
    ASSERT_TRUE(c.send_all(get("/s")));
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return held != nullptr; }));
  }  // closed here, with an answer still being produced
  // The server learns it from a write (reset) or the read side: keep writing.
  std::unique_lock lock(mu);
  for (int i = 0; i < 200 && !gone; ++i) {
    lock.unlock();
    held->write("data: tick\n\n");
    lock.lock();
    cv.wait_for(lock, 50ms, [&] { return gone; });
  }
  EXPECT_TRUE(gone);
  EXPECT_TRUE(held->client_gone());
  EXPECT_FALSE(held->write("data: more\n\n"));
}

TEST_F(Listener, AnIdleKeepAliveConnectionIsClosedAtTheIdleTimeout) {
  HttpServerOptions o;
  o.idle_timeout = 200ms;
  start_echo(o);
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all(get("/a")));
  EXPECT_EQ(status_of(c.read_response()), 200);
  EXPECT_TRUE(c.read_until_closed(10s));
  EXPECT_EQ(server->counters().idle_closed, 1u);
}

TEST_F(Listener, ExpectContinueGetsA100BeforeTheBody) {
  start_echo();
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all("POST /p HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_response()), 100);
  ASSERT_TRUE(c.send_all("hello"));
  EXPECT_EQ(body_of(c.read_response()), "POST /p 5");
}

TEST_F(Listener, HeadGetsTheHeadersWithoutTheBody) {
  start_echo();
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n" + get("/after")));
  // The HEAD answer has a Content-Length but no body: the next answer follows it.
  ASSERT_TRUE(c.read_until_contains("GET /after 0")) << c.received();
  EXPECT_EQ(c.received().find("HEAD /h"), std::string::npos) << c.received();
  EXPECT_EQ(c.received().find("HTTP/1.1 200 OK\r\n"), 0u);
}

TEST_F(Listener, Http10GetsCloseDelimitedStreamsAndKeepAliveOnlyWhenAsked) {
  start_echo();
  RawClient c(server->port());
  ASSERT_TRUE(c.send_all("GET /old HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(c.read_until_closed(10s));
  EXPECT_NE(c.received().find("HTTP/1.0 200 OK\r\n"), std::string::npos) << c.received();
  EXPECT_NE(c.received().find("Connection: close\r\n"), std::string::npos);
}

TEST_F(Listener, StopClosesIdleConnectionsAndFinishesAnAnswerInProgress) {
  std::shared_ptr<Responder> held;
  std::mutex mu;
  std::condition_variable cv;
  start([&](HttpRequest, std::shared_ptr<Responder> r) {
    std::lock_guard lock(mu);
    held = r;
    cv.notify_all();
  });
  RawClient idle(server->port());
  RawClient busy(server->port());
  ASSERT_TRUE(busy.send_all(get("/slow")));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, 10s, [&] { return held != nullptr; }));
  }
  std::thread stopper([&] { server->stop(5s); });
  EXPECT_TRUE(idle.read_until_closed(10s));
  held->send(text(200, "finished"));
  EXPECT_EQ(body_of(busy.read_response()), "finished");
  stopper.join();
  EXPECT_TRUE(busy.read_until_closed(10s));
  held.reset();
}

}  // namespace
}  // namespace keyward::net::test
