// stream_stall: a streaming answer stops after after_chunks frames and then
// sends nothing (until stall_ms passes or the server stops; then it closes).
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct StreamStallFault final : Fault {
  std::uint64_t after_chunks = 1;
  std::uint64_t stall_ms = 0;  // 0 = until the server stops
  const char* kind() const override { return "stream_stall"; }
  bool streaming_only() const override { return true; }
  void apply(FaultEffect& e, Random&) const override {
    e.stall_after_chunks = static_cast<int>(after_chunks);
    e.stall_for = std::chrono::milliseconds(stall_ms);
    e.note(kind());
  }
  nlohmann::json params() const override {
    return {{"after_chunks", after_chunks}, {"stall_ms", stall_ms}};
  }
};
}  // namespace

std::shared_ptr<const Fault> make_stream_stall_fault(FaultParams& p) {
  auto f = std::make_shared<StreamStallFault>();
  f->after_chunks = p.u64("after_chunks", 1, 10'000);
  f->stall_ms = p.u64("stall_ms", 0, 24ull * 3'600'000);
  return f;
}

}  // namespace keyward::fakes
