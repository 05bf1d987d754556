// The alert outbox worker (AlertDispatcher's thread) while request threads
// enqueue — including the same alert twice — and a flaky channel fails: every
// (alert, channel) is delivered exactly once.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "base/utc_time.h"
#include "router/alerts/dispatcher.h"
#include "router/store/alert_store.h"
#include "router/store/outbox.h"
#include "router/store/sqlite_backend.h"

namespace keyward::alerts {
namespace {

using namespace std::chrono_literals;

// Records what it delivered; fails every `fail_every`-th try.
class RecordingChannel final : public AlertChannel {
 public:
  RecordingChannel(Channel kind, int fail_every, std::map<std::string, int>& sent, std::mutex& mu)
      : kind_(kind), fail_every_(fail_every), sent_(sent), mu_(mu) {}
  Channel kind() const override { return kind_; }
  DeliveryResult send(const Alert& alert) override {
    if (fail_every_ && ++tries_ % fail_every_ == 0) return DeliveryResult::failure("connection refused");
    std::lock_guard lock(mu_);
    ++sent_[std::string(to_string(kind_)) + "|" + alert.id];
    return DeliveryResult::success();
  }

 private:
  Channel kind_;
  int fail_every_;
  int tries_ = 0;  // only the dispatcher calls send(), one pass at a time
  std::map<std::string, int>& sent_;
  std::mutex& mu_;
};

Alert make_alert(int n) {
  Alert a;
  a.id = "kw-alert-" + std::to_string(n);
  a.kind = AlertKind::key_auth_failed;
  a.subject = "Groq Key " + std::to_string(n) + " Authentication Failed";
  a.text = a.subject;
  a.channels = channel_email | channel_webhook;
  return a;
}

// `alerts_per_thread`: SQLite commits each row, so its case is kept smaller.
void run_case(store::DeliveryQueue& queue, int alerts_per_thread) {
  WallTime start;
  parse_iso8601("2025-11-18T08:00:00Z", &start);
  SimClock clock(start);
  std::map<std::string, int> sent;
  std::mutex sent_mu;
  std::vector<std::unique_ptr<AlertChannel>> channels;
  channels.push_back(std::make_unique<RecordingChannel>(channel_email, 3, sent, sent_mu));
  channels.push_back(std::make_unique<RecordingChannel>(channel_webhook, 0, sent, sent_mu));
  DispatcherOptions opts;
  opts.idle_wait_max = 2ms;  // the worker polls often, so it races the producers
  AlertDispatcher dispatcher(queue, clock, std::move(channels), opts);
  dispatcher.start();

  constexpr int kThreads = 4;
  const int kAlerts = alerts_per_thread;
  std::atomic<int> accepted{0};
  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      // Threads overlap by half: every alert id is enqueued by two threads.
      for (int i = 0; i < kAlerts; ++i)
        if (dispatcher.enqueue(make_alert((t * kAlerts / 2 + i) % (kThreads * kAlerts / 2)))) ++accepted;
    });
  }
  std::thread drainer([&] {  // a synchronous pass alongside the thread (what tests and tick() do)
    for (int i = 0; i < 50; ++i) dispatcher.drain_once();
  });
  for (auto& p : producers) p.join();
  drainer.join();
  const int unique = kThreads * kAlerts / 2;
  EXPECT_EQ(accepted.load(), unique) << "a second enqueue of the same id is refused";

  // Retries come due as simulated time passes; bounded.
  for (int round = 0; round < 200 && queue.counts().pending > 0; ++round) {
    clock.advance(5min);
    dispatcher.drain_once();
  }
  dispatcher.stop();
  EXPECT_EQ(queue.counts().pending, 0u);
  std::lock_guard lock(sent_mu);
  EXPECT_EQ(sent.size(), size_t(unique) * 2);
  for (const auto& [key, n] : sent) EXPECT_EQ(n, 1) << key << " delivered " << n << " times";
  EXPECT_EQ(dispatcher.stats().delivered, uint64_t(unique) * 2);
}

TEST(AlertDispatcherParallel, MemoryOutboxDeliversEachAlertOncePerChannel) {
  store::MemoryOutbox queue;
  run_case(queue, 120);
}

TEST(AlertDispatcherParallel, SqliteAlertStoreDeliversEachAlertOncePerChannel) {
  auto path = std::filesystem::temp_directory_path() /
              ("keyward-dispatch-" + std::to_string(::getpid()) + ".sqlite");
  std::filesystem::remove(path);
  std::string error;
  SimClock clock(WallTime(std::chrono::milliseconds(1763452815000LL)));
  auto opened = store::SqliteBackend::open(path.string(), clock.wall(), &error);
  ASSERT_TRUE(opened) << error;
  auto queue = std::make_unique<store::AlertStore>(std::move(opened->backend), std::move(opened->loaded), clock);
  run_case(*queue, 30);
  EXPECT_TRUE(queue->flush(std::chrono::seconds(30)));
  queue.reset();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace keyward::alerts
