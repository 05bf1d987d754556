// stream_cut: a streaming answer is closed after after_chunks frames, without
// the final frame or terminator (no [DONE], no finishReason).
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct StreamCutFault final : Fault {
  std::uint64_t after_chunks = 1;
  const char* kind() const override { return "stream_cut"; }
  bool streaming_only() const override { return true; }
  void apply(FaultEffect& e, Random&) const override {
    e.cut_after_chunks = static_cast<int>(after_chunks);
    e.note(kind());
  }
  nlohmann::json params() const override { return {{"after_chunks", after_chunks}}; }
};
}  // namespace

std::shared_ptr<const Fault> make_stream_cut_fault(FaultParams& p) {
  auto f = std::make_shared<StreamCutFault>();
  f->after_chunks = p.u64("after_chunks", 1, 10'000);
  return f;
}

}  // namespace keyward::fakes
