#pragma once
// A scripted asynchronous transport: each call ends on a thread of its own
// (as a real one ends on its event loop), after its scripted deltas. For the
// adapters that wait for asynchronous calls (BlockingOverAsync, validation).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "router/core/transport.h"

namespace keyward::http::test {

class ThreadedTransport final : public ProviderTransport {
 public:
  ~ThreadedTransport() override { join(); }

  AttemptResult result;                   // what every call ends with
  std::vector<std::string> deltas;        // sent to the sink before the end (a stream)
  std::vector<std::string> models{"m1"};  // list_models' answer
  bool never_end = false;                 // break the promise: never call done
  std::vector<bool> sink_answers;         // what the sink said to each delta

  void chat(const ProviderConfig&, const KeyConfig&, const ChatRequest&, Millis, StreamSink* sink,
            ChatDone done) override {
    ++started;
    if (never_end) return;
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, sink, done = std::move(done)] {
      ChatAnswer answer;
      AttemptResult r = result;
      for (const auto& d : deltas) {
        bool ok = sink->on_delta(d);
        {
          std::lock_guard l(mu_);
          sink_answers.push_back(ok);
          answered_.notify_all();
        }
        if (!ok) {
          r.transport = TransportError::read_failed;
          break;
        }
        answer.content += d;
      }
      done(r, answer);
    });
  }
  void list_models(const ProviderConfig&, const KeyConfig& key, Millis, ModelsDone done) override {
    ++started;
    if (never_end) return;
    const int index = key.index;
    std::lock_guard lock(mu_);
    threads_.emplace_back([this, index, done = std::move(done)] {
      {
        std::lock_guard l(mu_);
        in_flight_max = std::max(in_flight_max, ++in_flight_);
      }
      AttemptResult r = result;
      r.status = 200 + index;  // tells the keys apart in the results
      {
        std::lock_guard l(mu_);
        --in_flight_;
      }
      done(r, models);
    });
  }
  // Waits (bounded) until the sink refused a delta.
  bool wait_for_refusal() {
    std::unique_lock lock(mu_);
    return answered_.wait_for(lock, std::chrono::seconds(20), [&] {
      return std::find(sink_answers.begin(), sink_answers.end(), false) != sink_answers.end();
    });
  }
  void join() {
    std::vector<std::thread> ts;
    {
      std::lock_guard lock(mu_);
      ts.swap(threads_);
    }
    for (auto& t : ts) t.join();
  }

  std::atomic<int> started{0};
  int in_flight_max = 0;  // models calls seen running at once; read after join()

 private:
  std::mutex mu_;
  std::condition_variable answered_;
  int in_flight_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace keyward::http::test
