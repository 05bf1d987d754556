// truncated_body: Content-Length announces the whole body, then only
// keep_percent of it is sent and the connection closes.
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct TruncatedBodyFault final : Fault {
  std::uint64_t keep_percent = 50;
  const char* kind() const override { return "truncated_body"; }
  void apply(FaultEffect& e, Random&) const override {
    e.truncate_percent = static_cast<int>(keep_percent);
    e.note(kind());
  }
  nlohmann::json params() const override { return {{"keep_percent", keep_percent}}; }
};
}  // namespace

std::shared_ptr<const Fault> make_truncated_body_fault(FaultParams& p) {
  auto f = std::make_shared<TruncatedBodyFault>();
  f->keep_percent = p.u64("keep_percent", 50, 99);
  return f;
}

}  // namespace keyward::fakes
