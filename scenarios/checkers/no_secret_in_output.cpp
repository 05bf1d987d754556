// no_secret_in_output (safety): no raw secret the scenario hands out (its
// .env's keys and tokens, the keys its timeline edits in, its world's keys)
// appears in anything the router produced: responses, log lines, alerts,
// status snapshots, metrics, journal lines. Masked forms (sk-proj-...AAA)
// are what every output must use.
#include "base/key_mask.h"
#include "scenarios/checkers/checker.h"
#include "scenarios/checkers/run_facts.h"

namespace keyward::scenarios {

namespace {

class NoSecretInOutput final : public Checker {
 public:
  const char* name() const override { return "no_secret_in_output"; }
  CheckerKind kind() const override { return CheckerKind::safety; }

  CheckVerdict check(const Scenario& s, const RunRecord& run) const override {
    auto secrets = raw_secrets(s);
    Violations v;
    auto search = [&](const std::string& where, const std::string& text) {
      for (const auto& k : secrets)
        if (text.find(k) != std::string::npos)
          v.add("raw key " + mask_key(k) + " in " + where);  // the report itself shows it masked
    };
    for (const auto& r : run.requests) search("the response at " + offset_label(r.at), r.body + "\n" + r.content);
    for (const auto& [at, line] : run.logs) search("a log line at " + offset_label(at), line);
    for (const auto& a : run.alerts)
      search("the " + a.channel + " alert at " + offset_label(a.at), a.subject + "\n" + a.text);
    for (const auto& [at, st] : run.statuses) search("the status at " + offset_label(at), st.dump());
    for (const auto& line : run.router_journal) search("a journal line (" + line.value("type", "?") + ")", line.dump());
    search("the metrics", run.metrics);
    search("the setup error", run.setup_error);
    return v.verdict(
        "no raw key or token of the scenario in any response, log line, alert, status, metric or "
        "journal line");
  }
};

}  // namespace

const Checker& no_secret_in_output_checker() {
  static const NoSecretInOutput c;
  return c;
}

}  // namespace keyward::scenarios
