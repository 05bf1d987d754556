// Many asynchronous provider calls at once across two event loops: started
// from foreign threads (as the synchronous route handlers do today) and from
// the loops themselves (each completion starting the next call, as
// asynchronous routing will), plain and streamed, against a local provider.
// Every call ends exactly once with the right answer; the pools stay per loop.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "router/http/transports.h"
#include "router/net/event_loop.h"
#include "router/net/upstream_client.h"
#include "tests/concurrency/local_provider.h"

namespace keyward {
namespace {

using namespace std::chrono_literals;

const char* kGood = "sk-proj-GOOD-PAR-0123";

struct Countdown {
  std::mutex mu;
  std::condition_variable cv;
  int left;
  explicit Countdown(int n) : left(n) {}
  void tick() {
    std::lock_guard lock(mu);
    --left;
    cv.notify_all();
  }
  bool wait() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 60s, [&] { return left == 0; });
  }
};

net::UpstreamRequest request(const std::string& key) {
  net::UpstreamRequest r;
  r.method = "POST";
  r.path = "/chat/completions";
  r.headers = {{"Authorization", "Bearer " + key}};
  r.body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
  r.secret = key;
  return r;
}

TEST(UpstreamCallsParallel, ForeignThreadsAndLoopChainsShareTwoLoops) {
  test::LocalProvider w(kGood);
  net::EventLoop loops(2);
  loops.start();
  {
    net::UpstreamClient client(loops);
    net::BaseUrl base;
    ASSERT_TRUE(net::parse_base_url(w.base_url(), &base));

    constexpr int kThreads = 4, kCallsPerThread = 40, kChains = 6, kChainLength = 20;
    std::atomic<int> ends{0}, right{0}, last_wrong{-1};
    Countdown all(kThreads * kCallsPerThread + kChains * kChainLength);
    auto check = [&](const AttemptResult& r, bool good) {
      ++ends;
      if (r.transport == TransportError::none && r.status == (good ? 200 : 401))
        ++right;
      else
        last_wrong = static_cast<int>(r.transport) * 1000 + r.status;
      all.tick();
    };

    // Chains: each completion starts the next call from its loop thread.
    std::function<void(int, int)> link = [&](int chain, int i) {
      const bool good = (chain + i) % 3 == 0;
      const std::string key = good ? kGood : "sk-bad-chain-" + std::to_string(chain) + "-" + std::to_string(i);
      client.call(base, request(key), Millis(20'000), nullptr, [&, chain, i, good](AttemptResult r) {
        EXPECT_NE(loops.current(), nullptr) << "a completion runs on a loop";
        check(r, good);
        if (i + 1 < kChainLength) link(chain, i + 1);
      });
    };
    for (int c = 0; c < kChains; ++c) loops.post(static_cast<size_t>(c), [&, c] { link(c, 0); });

    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCallsPerThread; ++i) {
          const bool good = (t + i) % 2 == 0;
          client.call(base, request(good ? kGood : "sk-bad-thread-" + std::to_string(t)), Millis(20'000), nullptr,
                      [&, good](AttemptResult r) { check(r, good); });
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_TRUE(all.wait());
    EXPECT_EQ(ends.load(), kThreads * kCallsPerThread + kChains * kChainLength);
    EXPECT_EQ(right.load(), ends.load()) << "last wrong: transport error " << last_wrong / 1000 << ", status "
                                         << last_wrong % 1000;
    EXPECT_EQ(w.requests(), ends.load());
    EXPECT_LE(client.idle_count(), 2u * client.options().max_idle_per_origin);
    client.close_idle();
    EXPECT_EQ(client.idle_count(), 0u);
  }
  loops.stop();
}

TEST(UpstreamCallsParallel, CallsHereOnManyThreadsBesideCallsOnTheLoops) {
  test::LocalProvider w(kGood);
  net::EventLoop loops(2);
  loops.start();
  {
    net::UpstreamClient client(loops);
    net::BaseUrl base;
    ASSERT_TRUE(net::parse_base_url(w.base_url(), &base));
    constexpr int kThreads = 4, kCalls = 30;
    std::atomic<int> right{0}, on_loops_right{0};
    Countdown on_loops(kThreads * kCalls);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kCalls; ++i) {
          const bool good = (t + i) % 2 == 0;
          const std::string key = good ? kGood : "sk-bad-here-" + std::to_string(t);
          bool ended = false;
          client.call_here(base, request(key), Millis(20'000), nullptr, [&](AttemptResult r) {
            ended = true;
            if (r.transport == TransportError::none && r.status == (good ? 200 : 401)) ++right;
          });
          EXPECT_TRUE(ended);
          client.call(base, request(key), Millis(20'000), nullptr, [&, good](AttemptResult r) {
            if (r.transport == TransportError::none && r.status == (good ? 200 : 401)) ++on_loops_right;
            on_loops.tick();
          });
        }
        client.close_idle();  // this thread's own pool (and the loops')
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_TRUE(on_loops.wait());
    EXPECT_EQ(right.load(), kThreads * kCalls);
    EXPECT_EQ(on_loops_right.load(), kThreads * kCalls);
  }
  loops.stop();
}

TEST(UpstreamCallsParallel, StreamsFromManyThreadsDeliverTheirOwnDeltas) {
  test::LocalProvider w(kGood);
  net::EventLoop loops(2);
  loops.start();
  {
    http::WireTransport transport(loops);
    ProviderConfig p;
    p.name = "openai";
    p.wire = WireKind::openai;
    p.base_url = w.base_url();
    p.model = "gpt-4o-mini";
    KeyConfig key{1, "OPENAI_API_KEY_1", kGood, std::nullopt};

    struct Sink final : StreamSink {
      std::string text;  // written on the loop, read after done (the countdown orders them)
      bool on_delta(const std::string& t) override {
        text += t;
        return true;
      }
    };
    constexpr int kThreads = 4, kStreams = 10;
    std::vector<Sink> sinks(kThreads * kStreams);
    std::vector<std::string> answers(sinks.size());
    std::vector<int> errors(sinks.size(), -1);
    Countdown all(static_cast<int>(sinks.size()));
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kStreams; ++i) {
          const size_t n = static_cast<size_t>(t * kStreams + i);
          ChatRequest req;
          req.messages = {{"user", "Stream me a reply please " + std::to_string(n)}};
          transport.chat(p, key, req, Millis(20'000), &sinks[n], [&, n](AttemptResult r, ChatAnswer a) {
            {
              std::lock_guard lock(all.mu);
              answers[n] = a.content;
              errors[n] = static_cast<int>(r.transport);
            }
            all.tick();
          });
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_TRUE(all.wait());
    std::lock_guard lock(all.mu);
    for (size_t n = 0; n < sinks.size(); ++n) {
      EXPECT_EQ(errors[n], static_cast<int>(TransportError::none)) << n;
      EXPECT_FALSE(sinks[n].text.empty()) << n;
      EXPECT_EQ(sinks[n].text, answers[n]) << n;
    }
  }
  loops.stop();
}

}  // namespace
}  // namespace keyward
