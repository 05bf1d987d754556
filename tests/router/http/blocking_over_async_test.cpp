// BlockingOverAsync: a call on an asynchronous transport, waited for; deltas
// handed to the caller's sink on the caller's thread; bounded waits.
#include "router/http/blocking_over_async.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/router/http/async_test_transport.h"

namespace keyward::http::test {
namespace {

using namespace std::chrono_literals;

ProviderConfig provider() {
  ProviderConfig p;
  p.name = "groq";
  return p;
}
const KeyConfig kKey{1, "GROQ_API_KEY_1", "sk-proj-GOOD-0123", std::nullopt};

struct ThreadSink final : StreamSink {
  std::vector<std::string> deltas;
  std::vector<std::thread::id> threads;
  size_t refuse_after = SIZE_MAX;
  bool on_delta(const std::string& text) override {
    deltas.push_back(text);
    threads.push_back(std::this_thread::get_id());
    return deltas.size() < refuse_after;
  }
};

TEST(BlockingOverAsync, WaitsForTheCallAndHandsDeltasToTheSinkOnTheCallersThreadInOrder) {
  ThreadedTransport inner;
  inner.result.status = 200;
  inner.deltas = {"Hel", "lo", ", ", "world"};
  BlockingOverAsync b(inner);
  ThreadSink sink;
  ChatAnswer answer;
  AttemptResult r = b.chat_now(provider(), kKey, ChatRequest{}, 5s, &answer, &sink);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.transport, TransportError::none);
  EXPECT_EQ(answer.content, "Hello, world");
  EXPECT_EQ(sink.deltas, inner.deltas);
  for (auto id : sink.threads) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(BlockingOverAsync, ASinkThatSaysStopAbortsTheCall) {
  ThreadedTransport inner;
  inner.result.status = 200;
  inner.deltas = std::vector<std::string>(200, "x");
  BlockingOverAsync b(inner);
  ThreadSink sink;
  sink.refuse_after = 1;
  ChatAnswer answer;
  AttemptResult r = b.chat_now(provider(), kKey, ChatRequest{}, 5s, &answer, &sink);
  EXPECT_EQ(r.transport, TransportError::client_gone);
  EXPECT_EQ(sink.deltas.size(), 1u) << "no delta reaches a sink after it said stop";
  inner.join();
}

TEST(BlockingOverAsync, AReaderTooSlowForTheQueueBoundAbortsTheCall) {
  // The queue holds 8 bytes (two deltas). The caller's sink holds its thread
  // at the first delta until the transport saw a refusal: the transport's
  // thread never waits for the reader, so the queue fills and the next delta
  // is refused.
  ThreadedTransport inner;
  inner.result.status = 200;
  inner.deltas = std::vector<std::string>(100, "abcd");
  BlockingOverAsync b(inner, 2s, 8);
  struct SlowSink final : StreamSink {
    ThreadedTransport* inner;
    std::vector<std::string> deltas;
    bool on_delta(const std::string& text) override {
      if (deltas.empty()) {
        EXPECT_TRUE(inner->wait_for_refusal());
      }
      deltas.push_back(text);
      return true;
    }
  } sink;
  sink.inner = &inner;
  ChatAnswer answer;
  AttemptResult r = b.chat_now(provider(), kKey, ChatRequest{}, 5s, &answer, &sink);
  inner.join();
  EXPECT_EQ(r.transport, TransportError::client_gone);
  ASSERT_FALSE(inner.sink_answers.empty());
  EXPECT_FALSE(inner.sink_answers.back());
  const size_t accepted = inner.sink_answers.size() - 1;
  EXPECT_EQ(std::count(inner.sink_answers.begin(), inner.sink_answers.end(), true), static_cast<long>(accepted));
  EXPECT_LT(accepted, 100u);
  EXPECT_EQ(sink.deltas.size(), accepted) << "what was queued still reaches the sink";
}

TEST(BlockingOverAsync, ATransportThatNeverEndsReleasesTheCallerAfterTimeoutAndGrace) {
  ThreadedTransport inner;
  inner.never_end = true;
  BlockingOverAsync b(inner, 50ms);
  ChatAnswer answer;
  auto t0 = std::chrono::steady_clock::now();
  AttemptResult r = b.chat_now(provider(), kKey, ChatRequest{}, 100ms, &answer, nullptr);
  EXPECT_EQ(r.transport, TransportError::timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  std::vector<std::string> models;
  EXPECT_EQ(b.list_models_now(provider(), kKey, 100ms, &models).transport, TransportError::timeout);
}

TEST(BlockingOverAsync, ModelsComeBack) {
  ThreadedTransport inner;
  inner.models = {"a", "b"};
  BlockingOverAsync b(inner);
  std::vector<std::string> models;
  AttemptResult r = b.list_models_now(provider(), kKey, 5s, &models);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(models, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace keyward::http::test
