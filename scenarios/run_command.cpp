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

#include "scenarios/external_router.h"
#include "scenarios/report.h"
#include "scenarios/shrink.h"

namespace keyward::scenarios {

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: keyward run PATH... [--junit FILE] [--json FILE] [--report FILE.html] [--seed N]\n"
               "                   [--filter REGEX] [--jobs N] [--work-dir DIR]\n"
               "       keyward run FILE --router-url http://HOST:PORT [--fake-port-base N] [--max-wall-seconds 60]\n"
               "                   [--wait-router-seconds 60] [--env-file PATH] [--admin-token T] [--work-dir DIR]\n"
               "       keyward run --shrink FILE -o OUT.yaml [--shrink-seconds 60] [--shrink-attempts 500]\n");
  return 2;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

}  // namespace

int run_main(int argc, char** argv) {
  // --shrink is its own mode: one failing file in, the smallest failing one out.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--shrink") return shrink_main(argc, argv);
  std::vector<std::string> paths;
  std::string junit, json, html, filter, work_dir = "build/scenario-runs";
  std::optional<uint64_t> seed;
  int jobs = 1;
  RunOptions black_box;  // --router-url and friends
  if (const char* t = std::getenv("KEYWARD_ADMIN_TOKEN")) black_box.admin_token = t;
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
    else if (a == "--router-url") { if (!value(&black_box.router_url)) return usage(); }
    else if (a == "--admin-token") { if (!value(&black_box.admin_token)) return usage(); }
    else if (a == "--env-file") { if (!value(&black_box.env_file)) return usage(); }
    else if (a == "--fake-port-base" || a == "--max-wall-seconds" || a == "--wait-router-seconds") {
      if (!value(&v)) return usage();
      int n = 0;
      try { n = std::stoi(v); } catch (...) { return usage(); }
      if (a == "--fake-port-base") {
        if (n < 1 || n > 65000) return usage();
        black_box.fake_port_base = n;
      } else if (n < 1) {
        return usage();
      } else {
        (a == "--max-wall-seconds" ? black_box.max_wall : black_box.wait_router) = Millis(int64_t{n} * 1000);
      }
    }
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
  auto worker = [&] {
    for (size_t i; (i = next++) < outcomes.size();) {
      auto& o = outcomes[i];
      RunOptions ro = black_box;
      ro.work_dir = black_box.router_url.empty() ? work_dir + "/" + std::to_string(i) : work_dir;
      o.run = run_scenario(o.scenario, ro);
      if (o.run.setup_error.empty()) o.results = check_expectations(o.scenario, o.run);
    }
  };
  std::vector<std::thread> pool;
  for (int j = 0; j < std::min<int>(jobs, static_cast<int>(outcomes.size())); ++j) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  int passed = 0, failed = 0, skipped = 0;
  Millis simulated{0};
  for (const auto& o : outcomes) {
    std::string replay = "keyward run " + o.scenario.file + " --seed " + std::to_string(o.scenario.seed);
    if (!black_box.router_url.empty()) replay += " --router-url " + black_box.router_url;
    std::cout << console_report(o, replay);
    if (!o.run.skipped.empty()) skipped += 1;
    else (o.passed() ? passed : failed) += 1;
    simulated += o.run.simulated;
  }
  if (!junit.empty() && !write_file(junit, junit_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", junit.c_str());
  if (!json.empty() && !write_file(json, json_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", json.c_str());
  if (!html.empty() && !write_file(html, html_report(outcomes))) std::fprintf(stderr, "cannot write %s\n", html.c_str());
  if (black_box.router_url.empty())
    std::printf("\n%d scenarios: %s of simulated time in %.2f s of wall time (%.0fx)\n", passed + failed,
                human_duration(simulated).c_str(), wall_s, wall_s > 0 ? static_cast<double>(simulated.count()) / 1000.0 / wall_s : 0.0);
  else
    std::printf("\nblack-box against %s: %.2f s of wall time\n", black_box.router_url.c_str(), wall_s);
  if (!html.empty()) std::printf("report: %s\n", html.c_str());
  if (skipped) std::printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  else std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace keyward::scenarios
