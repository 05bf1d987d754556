// status: answer with any status code, rendered in the provider's own error
// envelope (Gemini's google.rpc shape, OpenAI's {"error":{...}}, ...).
#include "fakes/faults/fault.h"

namespace keyward::fakes {
namespace {
struct StatusFault final : Fault {
  int status = 503;
  std::string message;  // empty: the provider's usual text for that status
  std::optional<std::vector<std::pair<std::string, std::string>>> headers;  // replaces the provider's
  const char* kind() const override { return "status"; }
  // The answer becomes the provider's error envelope: no completion in it,
  // whatever the code (even a 2xx one), so it never serves a request.
  bool fails_answer() const override { return true; }
  void apply(FaultEffect& e, Random&) const override {
    if (e.status == 0) {  // the first matching status fault wins
      e.status = status;
      e.status_message = message;
      e.status_headers = headers;
    }
    e.note(kind());
  }
  nlohmann::json params() const override {
    nlohmann::json j{{"status", status}};
    if (!message.empty()) j["message"] = message;
    if (headers) {
      j["headers"] = nlohmann::json::object();
      for (const auto& [k, v] : *headers) j["headers"][k] = v;
    }
    return j;
  }
};
}  // namespace

std::shared_ptr<const Fault> make_status_fault(FaultParams& p) {
  if (!p.has("status")) throw FaultSpecError("status", "missing status code");
  auto f = std::make_shared<StatusFault>();
  auto code = p.u64("status", 503, 599);
  if (code < 100) throw FaultSpecError("status", "must be between 100 and 599");
  f->status = static_cast<int>(code);
  f->message = p.string("message", "");
  f->headers = p.headers("headers");
  return f;
}

}  // namespace keyward::fakes
