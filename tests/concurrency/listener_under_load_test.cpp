// The listener's threads under TSan: two event loops, the handler pool, and
// responders completed from other threads while clients come and go.
//   - the Service: routed requests (pool), cheap ones (loop), SSE streams,
//     pipelined requests, clients that hang up mid-answer, /metrics sampling
//     the listener's counters, all at once;
//   - the bare HttpServer: answers and streams from pool threads racing with
//     the close of their connection (client gone, write after close).
// Providers are an in-process transport and clients raw sockets: no
// cpp-httplib (uninstrumented) on either side of the code under test.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "router/http/service.h"
#include "router/net/http_server.h"
#include "router/net/worker_pool.h"
#include "tests/router/net/raw_client.h"

namespace keyward::http::test {
namespace {

using net::test::body_of;
using net::test::RawClient;
using net::test::status_of;
using namespace std::chrono_literals;

// A provider that answers every key at once; streams arrive in five deltas.
class InstantTransport final : public BlockingTransport {
 public:
  AttemptResult chat_now(const ProviderConfig&, const KeyConfig&, const ChatRequest& request, Millis,
                         ChatAnswer* answer, StreamSink* sink) override {
    answer->content = "answer to " + request.messages.back().content;
    answer->model = "instant";
    answer->finish_reason = "stop";
    if (sink)
      for (int i = 0; i < 5; ++i)
        if (!sink->on_delta("part " + std::to_string(i) + " ")) break;
    return AttemptResult{TransportError::none, 200, {}, "{}"};
  }
  AttemptResult list_models_now(const ProviderConfig&, const KeyConfig&, Millis,
                                std::vector<std::string>* models) override {
    if (models) models->push_back("instant");
    return AttemptResult{TransportError::none, 200, {}, "{}"};
  }
};

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(ListenerUnderLoad, RoutedCheapStreamedAndAbandonedRequestsAtOnce) {
  SimClock clock(WallTime(std::chrono::hours(24 * 20000)));
  InstantTransport transport;
  ServiceOptions o;
  o.config = default_config();
  o.config.providers.resize(1);
  // Default ejection: the clients below that hang up mid-stream end their
  // calls as client_gone, which counts against nobody; were they counted as
  // the provider's network failures, three would eject the only provider and
  // turn the other clients' answers into emergencies.
  o.env = parse_env("GROQ_API_KEY_1=sk-proj-GOOD-AAA-0123\n", ".env").entries;
  o.clock = &clock;
  o.listen = "127.0.0.1:0";
  o.journal_path = "";
  o.transport = &transport;
  o.server.loop_threads = 2;
  o.server.handler_threads = 4;
  o.server.handler_queue = 256;
  o.log = [](const std::string&) {};
  Service service(std::move(o));
  std::string error;
  ASSERT_TRUE(service.start(&error)) << error;
  const int port = service.port();

  std::atomic<int> answered{0};
  std::mutex why_mu;
  std::string why;  // the first failures, for the message
  auto check = [&](bool ok, const std::string& what) {
    if (ok) return void(++answered);
    std::lock_guard lock(why_mu);
    if (why.size() < 2000) why += what.substr(0, 300) + "\n";
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < 3; ++c) {
    threads.emplace_back([&, c] {
      RawClient k(port);  // keep-alive: every request on one connection
      for (int i = 0; i < 15; ++i) {
        k.send_all(post("/api/ai/chat", R"({"message":"q)" + std::to_string(c * 100 + i) + "\"}"));
        auto a = k.read_response(20s);
        check(status_of(a) == 200 && body_of(a).find("\"status\":\"success\"") != std::string::npos, "chat: " + a);
      }
    });
  }
  threads.emplace_back([&] {
    RawClient k(port);
    for (int i = 0; i < 8; ++i) {
      k.send_all(post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"s"}],"stream":true})"));
      auto a = k.read_response(20s);
      check(status_of(a) == 200 && a.find("data: [DONE]") != std::string::npos, "stream: " + a);
    }
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 15; ++i) {
      RawClient k(port);
      k.send_all("GET /healthz HTTP/1.1\r\n\r\nGET /api/status HTTP/1.1\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n");
      for (int n = 0; n < 3; ++n) {
        auto a = k.read_response(20s);
        check(status_of(a) == 200, "pipelined: " + a);
      }
    }
  });
  threads.emplace_back([&] {
    // Clients that hang up before their answer: it is produced on a pool
    // thread for a connection that is gone or going.
    for (int i = 0; i < 15; ++i) {
      RawClient k(port);
      k.send_all(post("/v1/chat/completions", R"({"messages":[{"role":"user","content":"x"}],"stream":true})"));
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(why.empty()) << why;
  EXPECT_EQ(answered.load(), 3 * 15 + 8 + 15 * 3);
  EXPECT_NE(service.stats().prometheus().find("keyward_http_connections_total{event=\"accepted\"}"), std::string::npos);
  service.stop();
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
