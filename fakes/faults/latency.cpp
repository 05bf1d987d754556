// latency: the answer comes latency_ms (+ up to jitter_ms) later than usual.
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct LatencyFault final : Fault {
  std::uint64_t latency_ms = 0;
  std::uint64_t jitter_ms = 0;
  const char* kind() const override { return "latency"; }
  void apply(FaultEffect& e, Random& rng) const override {
    e.delay += std::chrono::milliseconds(latency_ms + (jitter_ms ? rng.below(jitter_ms + 1) : 0));
    e.note(kind());
  }
  nlohmann::json params() const override {
    return {{"latency_ms", latency_ms}, {"jitter_ms", jitter_ms}};
  }
};
}  // namespace

std::shared_ptr<const Fault> make_latency_fault(FaultParams& p) {
  auto f = std::make_shared<LatencyFault>();
  f->latency_ms = p.u64("latency_ms", 0, 3'600'000);
  f->jitter_ms = p.u64("jitter_ms", 0, 3'600'000);
  return f;
}

}  // namespace keyward::fakes
