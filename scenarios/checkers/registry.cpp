// The checker table and the small shared pieces of the interface.
#include <algorithm>

#include "scenarios/checkers/checker.h"

namespace keyward::scenarios {

const char* to_string(CheckerKind k) { return k == CheckerKind::safety ? "safety" : "liveness"; }

const std::vector<const Checker*>& all_checkers() {
  // An explicit table rather than static self-registration: objects of a
  // static library that nothing references would be dropped by the linker.
  static const std::vector<const Checker*> table = [] {
    std::vector<const Checker*> t = {
        &no_call_to_quarantined_key_checker(), &no_emergency_while_key_valid_checker(),
        &one_alert_per_kind_checker(),         &one_incident_at_a_time_checker(),
        &well_formed_responses_checker(),      &reports_serving_provider_checker(),
        &no_secret_in_output_checker(),        &recovers_checker(),
    };
    std::stable_partition(t.begin(), t.end(), [](const Checker* c) { return c->kind() == CheckerKind::safety; });
    return t;
  }();
  return table;
}

const Checker* find_checker(std::string_view name) {
  for (const auto* c : all_checkers())
    if (name == c->name()) return c;
  return nullptr;
}

std::string checker_names(std::optional<CheckerKind> kind) {
  std::string out;
  for (const auto* c : all_checkers())
    if (!kind || c->kind() == *kind) out += (out.empty() ? "" : "|") + std::string(c->name());
  return out;
}

void Violations::add(const std::string& what) {
  if (++count_ <= shown_) text_ += (count_ > 1 ? "\n        " : "") + what;
}

CheckVerdict Violations::verdict(const std::string& property) const {
  CheckVerdict v;
  if (count_ == 0) return v;
  v.passed = false;
  v.expected = property;
  v.actual = text_;
  if (count_ > shown_) v.actual += "\n        ... " + std::to_string(count_ - shown_) + " more";
  return v;
}

}  // namespace keyward::scenarios
