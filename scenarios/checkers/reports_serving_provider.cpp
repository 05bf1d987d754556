// reports_serving_provider (safety): an answer never misreports who served
// it. A provider answer names its provider and key (chat API: provider and
// key_id; OpenAI: keyward.provider and keyward.key_id); the fakes must have
// answered a chat call of that request with that provider's key N, status
// 200. Cache answers (served by nobody now) and streams (their frames name no
// key) are not judged.
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"

namespace keyward::scenarios {

namespace {

using nlohmann::json;

// The provider and key an answer names; false when it names none.
bool named_server(const json& j, std::string* provider, int* key) {
  if (!j.is_object()) return false;
  const json& where = j.contains("keyward") && j["keyward"].is_object() ? j["keyward"] : j;
  if (where.value("source", "") != "provider" || !where.contains("provider") || !where["provider"].is_string() ||
      !where.contains("key_id") || !where["key_id"].is_number_integer())
    return false;
  *provider = where["provider"].get<std::string>();
  *key = where["key_id"].get<int>();
  return true;
}

class ReportsServingProvider final : public Checker {
 public:
  const char* name() const override { return "reports_serving_provider"; }
  CheckerKind kind() const override { return CheckerKind::safety; }

  CheckVerdict check(const Scenario&, const RunRecord& run) const override {
    Violations v;
    for (const auto& r : run.requests) {
      std::string provider;
      int key = 0;
      if (r.status != 200 || !named_server(r.json, &provider, &key)) continue;
      bool served = false;
      std::string seen;
      int calls = 0;
      for (const auto& c : run.calls) {
        if (c.event != r.event || !c.chat) continue;
        served = served || (c.provider == provider && c.key_index == key && c.status == 200);
        if (++calls <= 6)
          seen += (seen.empty() ? "" : ", ") + c.provider + " key " + std::to_string(c.key_index) + " -> " +
                  std::to_string(c.status);
      }
      if (calls > 6) seen += ", ... (" + std::to_string(calls) + " in all)";
      if (!served)
        v.add(offset_label(r.at) + " answer names " + provider + " key " + std::to_string(key) +
              "; the request's chat calls: " + (seen.empty() ? "none" : seen));
    }
    return v.verdict("every provider answer names the provider and key whose 200 served it");
  }
};

}  // namespace

const Checker& reports_serving_provider_checker() {
  static const ReportsServingProvider c;
  return c;
}

}  // namespace keyward::scenarios
