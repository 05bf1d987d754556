// empty_response: the connection is closed cleanly (FIN) without a byte of
// answer — what a crashing upstream or an idle-timeout proxy looks like.
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct EmptyResponseFault final : Fault {
  const char* kind() const override { return "empty_response"; }
  void apply(FaultEffect& e, Random&) const override {
    if (e.drop == FaultEffect::Drop::none) e.drop = FaultEffect::Drop::empty;
    e.note(kind());
  }
  nlohmann::json params() const override { return nlohmann::json::object(); }
};
}  // namespace

std::shared_ptr<const Fault> make_empty_response_fault(FaultParams&) {
  return std::make_shared<EmptyResponseFault>();
}

}  // namespace keyward::fakes
