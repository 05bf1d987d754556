// No raw key leaves the router: the whole scenario library runs, and every
// output — router logs, the router's journal file, the JSON/HTML/JUnit and
// console reports, alerts the sinks received, status snapshots, the dashboard
// HTML rendered from them, metrics — is searched for every raw key of the
// scenario (its router .env, its .env edits, its world's keys): zero hits.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <unistd.h>

#include "router/http/dashboard.h"
#include "scenarios/checkers/run_facts.h"
#include "scenarios/report.h"
#include "scenarios/runner.h"

namespace keyward::scenarios {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Secrets, NoRawKeyInAnyOutputOfTheScenarioLibrary) {
  fs::path work = fs::temp_directory_path() / ("keyward-secrets-" + std::to_string(::getpid()));
  fs::remove_all(work);
  std::vector<ScenarioOutcome> outcomes;
  outcomes.reserve(64);
  std::vector<std::set<std::string>> keys;
  size_t searched_bytes = 0, total_keys = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(KEYWARD_SOURCE_DIR) / "scenarios/library")) {
    if (entry.path().extension() != ".yaml") continue;
    Scenario s = load_scenario(entry.path().string());
    RunOptions ro;
    ro.work_dir = (work / entry.path().stem()).string();
    RunRecord run = run_scenario(s, ro);
    auto secret = raw_secrets(s);  // what the no_secret_in_output checker searches for
    total_keys += secret.size();

    // Everything this run produced, by where it came from.
    std::vector<std::pair<std::string, std::string>> outputs;
    std::string logs;
    for (const auto& [at, line] : run.logs) logs += line + "\n";
    outputs.emplace_back("router log", logs);
    outputs.emplace_back("router journal file", read_file(fs::path(ro.work_dir) / "keyward-journal.jsonl"));
    for (const auto& f : fs::directory_iterator(ro.work_dir))
      if (f.path().filename().string().rfind("keyward-journal.jsonl.", 0) == 0)
        outputs.emplace_back("rotated journal", read_file(f.path()));
    for (const auto& a : run.alerts) outputs.emplace_back("alert via " + a.channel, a.subject + "\n" + a.text);
    for (const auto& [at, status] : run.statuses) {
      outputs.emplace_back("status", status.dump());
      outputs.emplace_back("dashboard html", render_dashboard_html(status));
    }
    outputs.emplace_back("metrics", run.metrics);
    outputs.emplace_back("run journal", run.journal().dump());
    for (const auto& r : run.requests) outputs.emplace_back("response", r.body);
    outputs.emplace_back("setup error", run.setup_error);

    ScenarioOutcome o{s, run, {}, {}};
    o.results = check_expectations(o.scenario, o.run);  // results point into o.scenario
    outputs.emplace_back("console report", console_report(o, "keyward run " + entry.path().string()));
    for (const auto& [where, text] : outputs) {
      searched_bytes += text.size();
      for (const auto& k : secret) EXPECT_EQ(text.find(k), std::string::npos) << s.file << ": raw key in " << where;
    }
    outcomes.push_back(std::move(o));
    keys.push_back(std::move(secret));
  }
  ASSERT_GE(outcomes.size(), 19u);
  EXPECT_GT(total_keys, 19u);
  // The multi-scenario reports hold every scenario: every key of every scenario.
  for (const auto& [where, text] : {std::pair<std::string, std::string>{"JSON report", json_report(outcomes)},
                                    {"HTML report", html_report(outcomes)},
                                    {"JUnit report", junit_report(outcomes)}}) {
    searched_bytes += text.size();
    for (size_t i = 0; i < outcomes.size(); ++i)
      for (const auto& k : keys[i]) EXPECT_EQ(text.find(k), std::string::npos) << outcomes[i].scenario.file << ": raw key in " << where;
  }
  RecordProperty("searched_bytes", std::to_string(searched_bytes));
  RecordProperty("raw_keys", std::to_string(total_keys));
  fs::remove_all(work);
}

}  // namespace
}  // namespace keyward::scenarios
