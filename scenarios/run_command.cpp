#include "scenarios/run_command.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "scenarios/report.h"

namespace keyward::scenarios {

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: keyward run PATH... [--junit FILE] [--json FILE] [--report FILE.html] [--seed N]\n"
               "                   [--filter REGEX] [--jobs N] [--work-dir DIR]\n");
  return 2;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int run_main(int argc, char** argv) {
  std::vector<std::string> paths;
  std::string junit, json, html, filter, work_dir = "build/scenario-runs";
  std::optional<uint64_t> seed;
  int jobs = 1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--junit") { if (!value(&junit)) return usage(); }
    else if (a == "--json") { if (!value(&json)) return usage(); }
    else if (a == "--report") { if (!value(&html)) return usage(); }
    else if (a == "--filter") { if (!value(&filter)) return usage(); }
    else if (a == "--work-dir") { if (!value(&work_dir)) return usage(); }
    else if (a == "--seed") {
      if (!value(&v)) return usage();
      try { seed = std::stoull(v); } catch (...) { return usage(); }
    } else if (a == "--jobs") {
      if (!value(&v)) return usage();
      try { jobs = std::clamp(std::stoi(v), 1, 16); } catch (...) { return usage(); }
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "keyward run: unknown option '%s'\n", a.c_str());
      return usage();
    } else {
      paths.push_back(a);
    }
  }
  if (paths.empty()) return usage();

  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (std::filesystem::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(p))
        if (entry.is_regular_file() && (entry.path().extension() == ".yaml" || entry.path().extension() == ".yml"))
          found.push_back(entry.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (std::filesystem::exists(p, ec)) {
      files.push_back(p);
    } else {
      std::fprintf(stderr, "keyward run: %s: no such file or folder\n", p.c_str());
      return 2;
    }
  }

  // Load everything first: a schema error stops the run before anything starts.
  std::vector<ScenarioOutcome> outcomes;
  std::regex re;
  try {
    re = std::regex(filter.empty() ? ".*" : filter);
  } catch (const std::regex_error&) {
    std::fprintf(stderr, "keyward run: --filter: not a valid regular expression\n");
    return 2;
  }
  for (const auto& f : files) {
    try {
      Scenario s = load_scenario(f);
      if (!std::regex_search(s.name, re) && !std::regex_search(f, re)) continue;
      if (seed) s.seed = *seed;
      outcomes.push_back(ScenarioOutcome{std::move(s), {}, {}});
    } catch (const fakes::SchemaError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }

  auto wall_start = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < outcomes.size();) {
      auto& o = outcomes[i];
      RunOptions ro;
      ro.work_dir = work_dir + "/" + std::to_string(i);
      o.run = run_scenario(o.scenario, ro);
      if (o.run.setup_error.empty()) o.results = check_expectations(o.scenario, o.run);
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::min<int>(jobs, static_cast<int>(outcomes.size())); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  int passed = 0, failed = 0;
  Millis simulated{0};
  for (const auto& o : outcomes) {
    std::string replay = "keyward run " + o.scenario.file + " --seed " + std::to_string(o.scenario.seed);
    std::cout << console_report(o, replay);
    (o.passed() ? passed : failed) += 1;
    simulated += o.run.simulated;
  }
  if (!junit.empty() && !write_file(junit, junit_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", junit.c_str());
  if (!json.empty() && !write_file(json, json_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", json.c_str());
  if (!html.empty() && !write_file(html, html_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", html.c_str());
  std::printf("\n%d scenarios: %s of simulated time in %.2f s of wall time (%.0fx)\n", passed + failed,
              human_duration(simulated).c_str(), wall_s, wall_s > 0 ? static_cast<double>(simulated.count()) / 1000.0 / wall_s : 0.0);
  if (!html.empty()) std::printf("report: %s\n", html.c_str());
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace keyward::scenarios
