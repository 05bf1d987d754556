// malformed_json: a 200 whose body is not valid JSON (the first SSE frame when
// streaming) — a client must treat it as a network-class failure.
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct MalformedJsonFault final : Fault {
  const char* kind() const override { return "malformed_json"; }
  void apply(FaultEffect& e, Random&) const override {
    e.malformed_json = true;
    e.note(kind());
  }
  nlohmann::json params() const override { return nlohmann::json::object(); }
};
}  // namespace

std::shared_ptr<const Fault> make_malformed_json_fault(FaultParams&) {
  return std::make_shared<MalformedJsonFault>();
}

}  // namespace keyward::fakes
