// connection_reset: the connection is reset (TCP RST) instead of answering.
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct ConnectionResetFault final : Fault {
  const char* kind() const override { return "connection_reset"; }
  void apply(FaultEffect& e, Random&) const override {
    if (e.drop == FaultEffect::Drop::none) e.drop = FaultEffect::Drop::reset;
    e.note(kind());
  }
  nlohmann::json params() const override { return nlohmann::json::object(); }
};
}  // namespace

std::shared_ptr<const Fault> make_connection_reset_fault(FaultParams&) {
  return std::make_shared<ConnectionResetFault>();
}

}  // namespace keyward::fakes
