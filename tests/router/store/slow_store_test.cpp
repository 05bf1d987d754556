// No request waits for a disk write (issue 17, item 3): the founding incident
// raises ten alerts and opens an incident from inside the pool notifications
// of a request, through the real ChatRouter and IncidentEngine, while the
// store's backend is blocked in a write for as long as the test likes. The
// requests complete; the writes land once the backend lets them.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

#include "router/core/incidents.h"
#include "router/store/alert_store.h"
#include "tests/router/store/founding_world.h"

namespace keyward::store {
namespace {

using namespace std::chrono_literals;

// Every write blocks until the test opens the latch: a disk that takes as
// long as it likes.
class LatchedBackend final : public StoreBackend {
 public:
  bool write(const WriteBatch& batch, std::string*) override {
    std::unique_lock lock(mu_);
    ++writes_entered_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return open_; });
    for (const auto& a : batch.alerts) alerts_.insert(a.alert.id);
    incidents_ += batch.incidents.size();
    return true;
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool wait_for_a_write(std::chrono::seconds bound) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return writes_entered_ > 0; });
  }
  size_t alerts_written() {
    std::lock_guard lock(mu_);
    return alerts_.size();
  }
  size_t incident_writes() {
    std::lock_guard lock(mu_);
    return incidents_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int writes_entered_ = 0;
  std::set<std::string> alerts_;
  size_t incidents_ = 0;
};

TEST(SlowStore, RequestsCompleteWhileTheStoreIsBlockedInAWrite) {
  test::FoundingWorld world;
  auto backend = std::make_unique<LatchedBackend>();
  LatchedBackend* disk = backend.get();
  AlertStore store(std::move(backend), {}, world.clock);
  IncidentEngine engine(world.config, AlertPolicy{}, world.clock, store, store);
  world.start(&engine);

  // Three requests: the first fails over through six keys, raising ten alerts
  // and opening the incident; the others are answered from quarantine.
  auto requests = std::async(std::launch::async, [&] {
    std::vector<RouteOutcome> out;
    for (const char* q : {"Help me fix this bug", "again", "and again"}) out.push_back(world.ask(q));
    return out;
  });
  ASSERT_TRUE(disk->wait_for_a_write(30s)) << "the writer thread took the first batch";
  // The bound is generous for a loaded machine; on the old synchronous code
  // the requests would wait here until the disk is released, i.e. for ever.
  bool done = requests.wait_for(60s) == std::future_status::ready;
  EXPECT_EQ(disk->alerts_written(), 0u) << "nothing has reached the disk yet";
  disk->open();  // let the disk go, whatever happened, so that nothing hangs
  ASSERT_TRUE(done) << "a request waited for the blocked disk write";
  auto outcomes = requests.get();
  EXPECT_EQ(outcomes[0].kind, RouteOutcome::Kind::emergency);
  EXPECT_EQ(outcomes[2].kind, RouteOutcome::Kind::emergency);

  // Reads saw what was queued while the disk was blocked ...
  EXPECT_EQ(store.counts().alerts, 10u);
  EXPECT_TRUE(engine.incident_open());
  EXPECT_TRUE(store.load_open());
  // ... and everything lands once the disk moves.
  ASSERT_TRUE(store.flush(30s));
  EXPECT_EQ(disk->alerts_written(), 10u);
  EXPECT_GE(disk->incident_writes(), 1u);
}

}  // namespace
}  // namespace keyward::store
