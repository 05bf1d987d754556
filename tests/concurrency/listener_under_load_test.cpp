// The listener's threads under TSan: two event loops, the handler pool, and
// responders completed from other threads while clients come and go.
//   - the Service: routed requests (pool), cheap ones (loop), SSE streams,
//     pipelined raw requests, clients that hang up mid-answer, /metrics
//     sampling the listener's counters, all at once;
//   - the bare HttpServer: answers and streams from pool threads racing with
//     the close of their connection (client gone, write after close).
#include <atomic>
#include <thread>
#include <vector>

#include "router/net/http_server.h"
#include "router/net/worker_pool.h"
#include "tests/router/http/harness.h"
#include "tests/router/net/raw_client.h"

namespace keyward::http::test {
namespace {

using net::test::RawClient;
using net::test::status_of;
using namespace std::chrono_literals;

TEST(ListenerUnderLoad, RoutedCheapStreamedAndAbandonedRequestsAtOnce) {
  Harness h;
  h.start_world(R"(
providers:
  - {name: groq, kind: groq, keys: {sk-proj-GOOD-AAA-0123: valid}}
)");
  auto o = h.options("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n");
  o.server.loop_threads = 2;
  o.server.handler_threads = 4;
  o.server.handler_queue = 256;
  h.start_service(std::move(o));
  const int port = h.service->port();

  std::atomic<int> bad{0}, answered{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < 3; ++c) {
    threads.emplace_back([&, c] {
      auto cli = h.client();
      for (int i = 0; i < 15; ++i) {
        auto r = cli.Post("/api/ai/chat", nlohmann::json{{"message", "q" + std::to_string(c * 100 + i)}}.dump(),
                          "application/json");
        (r && r->status == 200 ? answered : bad)++;
      }
    });
  }
  threads.emplace_back([&] {
    auto cli = h.client();
    for (int i = 0; i < 8; ++i) {
      auto r = cli.Post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"s"}],"stream":true})",
                        "application/json");
      (r && r->status == 200 && r->body.find("[DONE]") != std::string::npos ? answered : bad)++;
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 15; ++i) {
      RawClient c(port);
      c.send_all("GET /healthz HTTP/1.1\r\n\r\nGET /readyz HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");
      for (int k = 0; k < 3; ++k) (status_of(c.read_response(20s)) == 200 ? answered : bad)++;
    }
  });
  threads.emplace_back([&] {
    // Requests whose clients hang up before the answer: the answer is
    // produced on a pool thread for a connection that is gone or going.
    const std::string body = R"({"messages":[{"role":"user","content":"x"}],"stream":true})";
    for (int i = 0; i < 15; ++i) {
      RawClient c(port);
      c.send_all("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
                 body);
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(answered.load(), 3 * 15 + 8 + 15 * 3);
  EXPECT_NE(h.get("/metrics")->body.find("keyward_http_connections_total{event=\"accepted\"}"), std::string::npos);
}

TEST(ListenerUnderLoad, AnswersFromPoolThreadsRaceWithClosingConnections) {
  net::EventLoop loop(2);
  net::WorkerPool pool(4, 1024);
  loop.start();
  pool.start();
  std::atomic<int> gone_seen{0};
  net::HttpServer server(loop, {}, [&](net::HttpRequest q, std::shared_ptr<net::Responder> r) {
    r->on_client_gone([&] { ++gone_seen; });
    bool stream = q.target == "/stream";
    if (!pool.try_post([r, stream] {
          if (!stream) {
            net::HttpResponse a;
            a.body = "{}";
            r->send(std::move(a));
            return;
          }
          r->start_stream(200, "text/event-stream", {});
          for (int i = 0; i < 50 && r->write("data: x\n\n"); ++i) {
          }
          r->end();
        })) {
      net::HttpResponse busy;
      busy.status = 503;
      r->send(std::move(busy));
    }
  });
  std::string error;
  ASSERT_TRUE(server.start(&error)) << error;
  std::vector<std::thread> clients;
  std::atomic<int> full{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 40; ++i) {
        RawClient k(server.port());
        const char* target = (i + c) % 2 ? "/stream" : "/plain";
        k.send_all(std::string("GET ") + target + " HTTP/1.1\r\n\r\n");
        if (i % 3 == 0) continue;  // hang up without reading
        if (status_of(k.read_response(20s)) != 0) ++full;
      }
    });
  }
  for (auto& t : clients) t.join();
  pool.stop();
  server.stop();
  loop.stop();
  EXPECT_GT(full.load(), 0);
}

}  // namespace
}  // namespace keyward::http::test
