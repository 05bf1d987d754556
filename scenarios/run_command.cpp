#include "scenarios/run_command.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "base/flags.h"
#include "base/progress_line.h"
#include "scenarios/external_router.h"
#include "scenarios/report.h"
#include "scenarios/shrink.h"

namespace keyward::scenarios {

namespace {

// `keyward run`'s flags (--shrink and its own flags: shrink.cpp).
constexpr Flag kRunFlags[] = {
    {"--junit", "FILE", "write a JUnit XML report"},
    {"--json", "FILE", "write every run's journal as JSON"},
    {"--report", "FILE.html", "write the HTML timeline report"},
    {"--seed", "N", "run every scenario with this seed instead of its own"},
    {"--filter", "REGEX", "run only the scenarios whose name or file matches"},
    {"--jobs", "N", "run up to N scenarios at once (1 to 16)"},
    {"--self-check", nullptr, "re-judge each passed expectation with its expected value mutated; fail on a vacuous one"},
    {"--work-dir", "DIR", "where runs keep their store and journal (build/scenario-runs)"},
    {"--router-url", "URL", "black-box: run one scenario against a keyward serve started by hand"},
    {"--fake-port-base", "N", "black-box: fakes without a fixed port listen on N, N+1, ..."},
    {"--max-wall-seconds", "N", "black-box: skip scenarios whose timeline is longer (60)"},
    {"--wait-router-seconds", "N", "black-box: wait this long for the router's /healthz (60)"},
    {"--env-file", "PATH", "black-box: the .env the external router reads (edit_env, reload)"},
    {"--admin-token", "T", "black-box: bearer token for /admin/reload ($KEYWARD_ADMIN_TOKEN)"},
};

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

const CommandHelp kRunCommand{
    "run", "PATH... [options]",
    "run scenario files or folders against in-process fakes (or one, black-box, against a keyward serve)",
    kRunFlags,
    "black-box: keyward run FILE --router-url http://HOST:PORT [the black-box flags above]\n"
    "other mode: keyward run --shrink FILE -o OUT.yaml  (keyward run --shrink --help)\n"
    "On a terminal, progress shows on one line of stderr ([12/40] name…).\n"
    "exit: 0 every scenario passed, 1 one failed, 2 bad usage or a schema error\n"};

int run_main(int argc, char** argv) {
  // --shrink is its own mode: one failing file in, the smallest failing one out.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--shrink") return shrink_main(argc, argv);
  ParsedArgs args;
  std::string error;
  if (!parse_flags(argc, argv, kRunFlags, &args, &error)) return usage_error(kRunCommand, error);
  const std::vector<std::string>& paths = args.positionals;
  std::string junit, json, html, filter, work_dir = "build/scenario-runs";
  std::optional<uint64_t> seed;
  int jobs = 1;
  bool self_checking = false;
  RunOptions black_box;  // --router-url and friends
  if (const char* t = std::getenv("KEYWARD_ADMIN_TOKEN")) black_box.admin_token = t;
  for (const auto& [a, v] : args.flags) {
    if (a == "--junit") junit = v;
    else if (a == "--self-check") self_checking = true;
    else if (a == "--json") json = v;
    else if (a == "--report") html = v;
    else if (a == "--filter") filter = v;
    else if (a == "--work-dir") work_dir = v;
    else if (a == "--router-url") black_box.router_url = v;
    else if (a == "--admin-token") black_box.admin_token = v;
    else if (a == "--env-file") black_box.env_file = v;
    else if (a == "--fake-port-base" || a == "--max-wall-seconds" || a == "--wait-router-seconds") {
      int n = 0;
      try { n = std::stoi(v); } catch (...) { return usage_error(kRunCommand, a + ": expected a number"); }
      if (a == "--fake-port-base") {
        if (n < 1 || n > 65000) return usage_error(kRunCommand, a + ": expected a port from 1 to 65000");
        black_box.fake_port_base = n;
      } else if (n < 1) {
        return usage_error(kRunCommand, a + ": expected a number of seconds >= 1");
      } else {
        (a == "--max-wall-seconds" ? black_box.max_wall : black_box.wait_router) = Millis(int64_t{n} * 1000);
      }
    } else if (a == "--seed") {
      try { seed = std::stoull(v); } catch (...) { return usage_error(kRunCommand, "--seed: expected a number"); }
    } else if (a == "--jobs") {
      try {
        jobs = std::clamp(std::stoi(v), 1, 16);
      } catch (...) {
        return usage_error(kRunCommand, "--jobs: expected a number");
      }
    }
  }
  if (paths.empty()) return usage_error(kRunCommand, "no scenario file or folder given");

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
      outcomes.push_back(ScenarioOutcome{std::move(s), {}, {}, {}});
    } catch (const SchemaError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }

  if (!black_box.router_url.empty()) {
    // One external router runs one scenario's world: one scenario per run.
    std::string shp, prefix, error;
    if (!parse_router_url(black_box.router_url, &shp, &prefix, &error)) {
      std::fprintf(stderr, "keyward run: %s\n", error.c_str());
      return 2;
    }
    if (outcomes.size() != 1) {
      std::fprintf(stderr,
                   "keyward run: --router-url runs exactly one scenario (an external router serves one world); "
                   "%zu selected\n", outcomes.size());
      return 2;
    }
    jobs = 1;
    black_box.work_dir = work_dir;
    black_box.on_setup = [](const BlackBoxSetup& setup, std::string* url) {
      std::printf("%s  waiting for %s/healthz ...\n", setup.text.c_str(), url->c_str());
      std::fflush(stdout);
    };
  }

  auto wall_start = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  // A folder takes a while: on a terminal, which scenario is under way (the
  // verdicts are printed together at the end). Black-box runs print their own
  // setup instead.
  ProgressLine progress(std::cerr, is_terminal_stderr() && outcomes.size() > 1 && black_box.router_url.empty());
  const std::string total = std::to_string(outcomes.size());
  auto worker = [&] {
    for (size_t i; (i = next++) < outcomes.size();) {
      auto& o = outcomes[i];
      progress.show("[" + std::to_string(i + 1) + "/" + total + "] " + o.scenario.name + "\u2026");
      RunOptions ro = black_box;
      ro.work_dir = black_box.router_url.empty() ? work_dir + "/" + std::to_string(i) : work_dir;
      o.run = run_scenario(o.scenario, ro);
      if (o.run.setup_error.empty()) o.results = check_expectations(o.scenario, o.run);
      if (self_checking && o.run.setup_error.empty()) o.vacuous = self_check(o.scenario, o.run, o.results);
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::min<int>(jobs, static_cast<int>(outcomes.size())); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  progress.clear();
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  int passed = 0, failed = 0, skipped = 0, xfailed = 0;
  Millis simulated{0};
  for (const auto& o : outcomes) {
    std::string replay = "keyward run " + o.scenario.file + " --seed " + std::to_string(o.scenario.seed);
    if (!black_box.router_url.empty()) replay += " --router-url " + black_box.router_url;
    std::cout << console_report(o, replay);
    if (!o.run.skipped.empty()) skipped += 1;
    else if (!o.scenario.expected_failure.empty()) (o.passed() ? failed : xfailed) += 1;  // XPASS fails: remove the mark
    else (o.passed() ? passed : failed) += 1;
    simulated += o.run.simulated;
  }
  if (!junit.empty() && !write_file(junit, junit_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", junit.c_str());
  if (!json.empty() && !write_file(json, json_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", json.c_str());
  if (!html.empty() && !write_file(html, html_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", html.c_str());
  if (black_box.router_url.empty())
    std::printf("\n%d scenarios: %s of simulated time in %.2f s of wall time (%.0fx)\n", passed + failed + xfailed,
                human_duration(simulated).c_str(), wall_s, wall_s > 0 ? static_cast<double>(simulated.count()) / 1000.0 / wall_s : 0.0);
  else
    std::printf("\nblack-box against %s: %.2f s of wall time\n", black_box.router_url.c_str(), wall_s);
  if (!html.empty()) std::printf("report: %s\n", html.c_str());
  std::string xfail = xfailed ? ", " + std::to_string(xfailed) + " expected failures (XFAIL)" : "";
  if (skipped) std::printf("%d passed, %d failed, %d skipped%s\n", passed, failed, skipped, xfail.c_str());
  else std::printf("%d passed, %d failed%s\n", passed, failed, xfail.c_str());
  return failed == 0 ? 0 : 1;
}

}  // namespace keyward::scenarios
