#pragma once
// Drives the asynchronous provider client from a test thread: one call, its
// result awaited with a bound.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "router/net/event_loop.h"
#include "router/net/upstream_client.h"

namespace keyward::net::test {

inline BaseUrl base_of(const std::string& url) {
  BaseUrl b;
  EXPECT_TRUE(parse_base_url(url, &b)) << url;
  return b;
}

inline UpstreamRequest post(std::string secret, std::string body = R"({"model":"m"})") {
  UpstreamRequest r;
  r.method = "POST";
  r.path = "/chat/completions";
  r.headers = {{"Authorization", "Bearer " + secret}};
  r.body = std::move(body);
  r.secret = std::move(secret);
  return r;
}

// One call, waited for (bounded: a call that never ends fails the test).
inline AttemptResult call_and_wait(UpstreamClient& client, const BaseUrl& base, UpstreamRequest request,
                                   Millis timeout = Millis(5'000), BodyConsumer on_2xx = nullptr) {
  auto promise = std::make_shared<std::promise<AttemptResult>>();
  auto future = promise->get_future();
  client.call(base, std::move(request), timeout, std::move(on_2xx),
              [promise](AttemptResult r) { promise->set_value(std::move(r)); });
  if (future.wait_for(timeout + std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "the call did not end";
    AttemptResult none;
    none.status = -1;
    return none;
  }
  return future.get();
}

// A running one-thread loop and a client on it (declared after what they
// call, so they close their connections first).
struct ClientOnLoop {
  explicit ClientOnLoop(UpstreamOptions options = {}, size_t threads = 1) : loop(threads) {
    loop.start();
    client = std::make_unique<UpstreamClient>(loop, options);
  }
  ~ClientOnLoop() {
    client.reset();
    loop.stop();
  }
  EventLoop loop;
  std::unique_ptr<UpstreamClient> client;
};

}  // namespace keyward::net::test
