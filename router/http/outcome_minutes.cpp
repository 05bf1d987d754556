#include "router/http/outcome_minutes.h"

#include "base/utc_time.h"

namespace keyward::http {

namespace {

int64_t minute_of(WallTime t) {
  int64_t ms = t.time_since_epoch().count();
  // Floor division: times before the epoch (never in practice) stay ordered.
  return ms >= 0 ? ms / 60'000 : -((-ms + 59'999) / 60'000);
}

size_t slot(int64_t minute) {
  auto n = static_cast<int64_t>(OutcomeMinutes::kMinutes);
  return static_cast<size_t>(((minute % n) + n) % n);
}

}  // namespace

void OutcomeMinutes::record(WallTime at, RouteOutcome::Kind kind) {
  if (kind != RouteOutcome::Kind::provider && kind != RouteOutcome::Kind::cache &&
      kind != RouteOutcome::Kind::emergency)
    return;
  int64_t m = minute_of(at);
  std::lock_guard lock(mu_);
  Bucket& b = ring_[slot(m)];
  if (b.minute != m) {
    // A request stamped more than an hour late (a clock stepped back) would
    // wipe a newer minute: count it nowhere instead.
    if (b.minute > m) return;
    b = Bucket{m, 0, 0, 0};
  }
  switch (kind) {
    case RouteOutcome::Kind::provider:
      ++b.provider;
      break;
    case RouteOutcome::Kind::cache:
      ++b.cache;
      break;
    default:
      ++b.emergency;
      break;
  }
}

std::vector<OutcomeMinutes::Minute> OutcomeMinutes::last_hour(WallTime now) const {
  int64_t end = minute_of(now);
  std::vector<Minute> out;
  out.reserve(kMinutes);
  std::lock_guard lock(mu_);
  for (int64_t m = end - static_cast<int64_t>(kMinutes) + 1; m <= end; ++m) {
    Minute minute;
    minute.start = WallTime(Millis(m * 60'000));
    const Bucket& b = ring_[slot(m)];
    if (b.minute == m) {
      minute.provider = b.provider;
      minute.cache = b.cache;
      minute.emergency = b.emergency;
    }
    out.push_back(minute);
  }
  return out;
}

nlohmann::json OutcomeMinutes::to_json(WallTime now) const {
  auto minutes = last_hour(now);
  nlohmann::json provider = nlohmann::json::array(), cache = nlohmann::json::array(),
                 emergency = nlohmann::json::array();
  for (const auto& m : minutes) {
    provider.push_back(m.provider);
    cache.push_back(m.cache);
    emergency.push_back(m.emergency);
  }
  return {{"minute_ms", 60'000},
          {"end", format_iso8601(minutes.back().start)},
          {"provider", std::move(provider)},
          {"cache", std::move(cache)},
          {"emergency", std::move(emergency)}};
}

}  // namespace keyward::http
