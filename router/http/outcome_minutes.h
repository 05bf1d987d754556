#pragma once
// Requests per minute by outcome (provider, cache, emergency) over the last
// hour, for the dashboard's chart: a ring of 60 one-minute buckets, bounded
// whatever the traffic. Time comes from the caller (the service's injected
// clock), so a simulated clock drives it in tests. Thread-safe.
#include <array>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/clock.h"
#include "router/core/chat_router.h"

namespace keyward::http {

class OutcomeMinutes {
 public:
  static constexpr size_t kMinutes = 60;

  struct Minute {
    WallTime start{};  // the minute's first millisecond
    uint64_t provider = 0;
    uint64_t cache = 0;
    uint64_t emergency = 0;
  };

  // Counts one finished request in the minute of `at`. Outcomes other than
  // these three (a request the provider refused, a stream cut) are not charted.
  void record(WallTime at, RouteOutcome::Kind kind);
  // The 60 minutes ending with the one of `now`, oldest first; minutes
  // without traffic (or older than the ring) count zero.
  std::vector<Minute> last_hour(WallTime now) const;
  // {"minute_ms": 60000, "end": ISO of the current minute's start,
  //  "provider": [60 counts], "cache": [...], "emergency": [...]} (oldest first).
  nlohmann::json to_json(WallTime now) const;

 private:
  struct Bucket {
    int64_t minute = -1;  // minutes since the epoch; -1: never used
    uint64_t provider = 0, cache = 0, emergency = 0;
  };
  mutable std::mutex mu_;
  std::array<Bucket, kMinutes> ring_{};
};

}  // namespace keyward::http
