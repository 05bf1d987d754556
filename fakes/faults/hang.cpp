// hang: the request is read, then nothing is sent until hang_ms passes (or the
// server stops); then the connection is closed unanswered. The client must
// time out by itself — that is what this fault tests.
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct HangFault final : Fault {
  std::uint64_t hang_ms = 0;  // 0 = until the server stops
  const char* kind() const override { return "hang"; }
  void apply(FaultEffect& e, Random&) const override {
    e.hang = true;
    e.hang_for = std::chrono::milliseconds(hang_ms);
    e.note(kind());
  }
  nlohmann::json params() const override { return {{"hang_ms", hang_ms}}; }
};
}  // namespace

std::shared_ptr<const Fault> make_hang_fault(FaultParams& p) {
  auto f = std::make_shared<HangFault>();
  f->hang_ms = p.u64("hang_ms", 0, 24ull * 3'600'000);
  return f;
}

}  // namespace keyward::fakes
