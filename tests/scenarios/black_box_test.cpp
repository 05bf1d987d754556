// Black-box mode: the runner against a router it did not start, over HTTP on
// the wall clock. The "external" router is the production App on a RealClock,
// started (port 0) from the .env the runner wrote once its fakes listened.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "router/core/env_file.h"
#include "router/main/app.h"
#include "scenarios/checkers/checker.h"
#include "scenarios/report.h"

namespace keyward::scenarios {
namespace {

// Safety checkers run on every scenario: their results follow the
// expectations'; those that need the router's journal are skipped black-box.
int safety_checkers(bool black_box_gap_only) {
  int n = 0;
  for (const Checker* c : all_checkers())
    n += c->kind() == CheckerKind::safety && (!black_box_gap_only || *c->black_box_gap()) ? 1 : 0;
  return n;
}

std::string blackbox(const std::string& name) { return std::string(KEYWARD_SOURCE_DIR) + "/scenarios/blackbox/" + name; }

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Starts `keyward serve` in-process from the files the runner wrote.
struct ExternalServe {
  RealClock clock;
  std::unique_ptr<App> app;
  std::string dir;
  BlackBoxSetup setup;

  void start(const BlackBoxSetup& s, std::string* url) {
    setup = s;
    AppOptions a;
    ASSERT_TRUE(s.config_path.empty());  // the scenario has no router config
    a.env = parse_env(read(s.env_path), s.env_path).entries;
    a.env_source = s.env_path;
    a.clock = &clock;
    a.listen = "127.0.0.1:0";
    a.store_path = dir + "/serve.db";  // a fresh router: no incident from an earlier run
    a.journal_path = dir + "/serve-journal.jsonl";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(a.store_path + suffix);
    std::filesystem::remove(a.journal_path);
    a.log = [](const std::string&) {};
    // What `keyward serve` does on POST /admin/reload: read the .env file again.
    a.reload_source = [path = s.env_path](RouterConfig* out, EnvMap* env, std::string*) {
      *env = parse_env(read(path), path).entries;
      *out = default_config();
      apply_env(*out, *env, {});
      return true;
    };
    app = std::make_unique<App>(std::move(a));
    std::string error;
    ASSERT_TRUE(app->start(&error)) << error;
    *url = "http://127.0.0.1:" + std::to_string(app->service().port());
  }
  ~ExternalServe() {
    if (app) app->stop();
  }
};

RunOptions options(ExternalServe& serve, const std::string& name) {
  RunOptions o;
  o.work_dir = ::testing::TempDir() + "/bb-" + name + "-" + std::to_string(getpid());
  std::filesystem::create_directories(o.work_dir);
  serve.dir = o.work_dir;
  o.router_url = "http://127.0.0.1:1";  // replaced by the router's real port in on_setup
  o.wait_router = Millis(10'000);
  o.on_setup = [&serve](const BlackBoxSetup& s, std::string* url) { serve.start(s, url); };
  return o;
}

TEST(BlackBox, RunsAScenarioAgainstAnExternalRouter) {
  ScenarioOutcome o{load_scenario(blackbox("revoked_key.yaml")), {}, {}, {}};
  // One expectation that must fail: key 1 is revoked, so it gets no call.
  Expectation wrong = o.scenario.expectations[2];
  ASSERT_EQ(wrong.kind, Expectation::Kind::provider_calls);
  wrong.per_key["groq"] = {3, 0};
  wrong.line = 999;
  o.scenario.expectations.push_back(wrong);

  ExternalServe serve;
  o.run = run_scenario(o.scenario, options(serve, "revoked"));
  ASSERT_EQ(o.run.setup_error, "");
  ASSERT_EQ(o.run.skipped, "");
  EXPECT_TRUE(o.run.black_box);
  // The setup the runner printed names the fake and the command to start the router.
  EXPECT_NE(serve.setup.text.find("GROQ_BASE_URL=http://127.0.0.1:"), std::string::npos) << serve.setup.text;
  EXPECT_NE(serve.setup.serve_command.find("keyward serve --env " + serve.setup.env_path), std::string::npos);

  o.results = check_expectations(o.scenario, o.run);
  ASSERT_EQ(o.results.size(), 7u + safety_checkers(false));
  for (size_t i = 0; i < 5; ++i)
    EXPECT_TRUE(o.results[i].passed) << o.results[i].expectation->source << ": expected " << o.results[i].expected
                                     << ", actual " << o.results[i].actual;
  const auto& log = o.results[5];  // needs the router's logs: skipped, never passed
  EXPECT_EQ(log.expectation->kind, Expectation::Kind::log);
  EXPECT_FALSE(log.passed);
  EXPECT_TRUE(log.skipped);
  EXPECT_EQ(log.skip_reason.rfind("skipped (black-box)", 0), 0u) << log.skip_reason;
  EXPECT_FALSE(o.results[6].passed);
  EXPECT_FALSE(o.results[6].skipped);
  EXPECT_EQ(o.results[6].actual, "groq calls per key [0, 3]");
  EXPECT_EQ(o.failures(), 1);
  EXPECT_EQ(o.skipped(), 1 + safety_checkers(true));
  EXPECT_FALSE(o.passed());
  EXPECT_EQ(o.run.requests.size(), 4u);

  std::string console = console_report(o, "");
  EXPECT_NE(console.find("skipped (black-box): the router's log lines"), std::string::npos) << console;
  std::string junit = junit_report({o});
  EXPECT_NE(junit.find("<skipped message=\"skipped (black-box)"), std::string::npos) << junit;
  EXPECT_NE(junit.find("failures=\"1\" skipped=\"" + std::to_string(1 + safety_checkers(true)) + "\""),
            std::string::npos)
      << junit;
  EXPECT_NE(json_report({o}).find("\"skipped\": true"), std::string::npos);

  // Without the wrong expectation the scenario passes, the skipped one included.
  o.scenario.expectations.pop_back();
  o.results = check_expectations(o.scenario, o.run);
  EXPECT_TRUE(o.passed()) << console_report(o, "");
}

TEST(BlackBox, EnvEditAndReloadGoThroughTheEnvFileAndAdminReload) {
  ScenarioOutcome o{load_scenario(blackbox("reload_new_key.yaml")), {}, {}, {}};
  ExternalServe serve;
  RunOptions opts = options(serve, "reload");
  opts.env_file = opts.work_dir + "/router.env";
  opts.admin_token = "bb-admin-token";
  o.run = run_scenario(o.scenario, opts);
  ASSERT_EQ(o.run.setup_error, "");
  ASSERT_EQ(o.run.skipped, "");
  EXPECT_EQ(serve.setup.env_path, opts.env_file);
  o.results = check_expectations(o.scenario, o.run);
  EXPECT_TRUE(o.passed()) << console_report(o, "");
  EXPECT_EQ(o.skipped(), 1 + safety_checkers(true));  // the alert window on the scenario clock, the journal checkers
  EXPECT_NE(read(opts.env_file).find("GROQ_API_KEY_1=gsk-blackbox-NEW-0003"), std::string::npos);
}

TEST(BlackBox, WhatAnExternalRouterCannotDoIsSkippedNotRun) {
  Scenario s = load_scenario(blackbox("revoked_key.yaml"));
  RunOptions o;
  o.work_dir = ::testing::TempDir() + "/bb-skip";
  o.router_url = "http://127.0.0.1:1";
  o.on_setup = [](const BlackBoxSetup&, std::string*) { FAIL() << "a skipped scenario must not start its fakes"; };

  Scenario restart = s;
  Event e;
  e.kind = Event::Kind::restart;
  e.at = Millis(400);
  restart.timeline.push_back(e);
  EXPECT_NE(black_box_skip_reason(restart, o).find("restart at"), std::string::npos);

  Scenario reload = s;
  e.kind = Event::Kind::reload;
  reload.timeline.push_back(e);
  EXPECT_NE(black_box_skip_reason(reload, o).find("needs --env-file"), std::string::npos);
  o.env_file = o.work_dir + "/.env";
  EXPECT_NE(black_box_skip_reason(reload, o).find("needs --admin-token"), std::string::npos);
  o.admin_token = "t";
  EXPECT_EQ(black_box_skip_reason(reload, o), "");

  Scenario longer = s;
  longer.timeline.back().at = Millis(61'000);
  EXPECT_NE(black_box_skip_reason(longer, o).find("more than --max-wall-seconds 60"), std::string::npos);

  ScenarioOutcome out{restart, run_scenario(restart, o), {}, {}};
  out.results = check_expectations(out.scenario, out.run);
  EXPECT_NE(out.run.skipped, "");
  EXPECT_TRUE(out.results.empty());
  EXPECT_TRUE(out.passed());  // a skip is not a failure ...
  EXPECT_EQ(console_report(out, "").rfind("SKIP  ", 0), 0u);  // ... nor a pass
  EXPECT_NE(junit_report({out}).find("<skipped message=\"black-box: restart at"), std::string::npos);
}

}  // namespace
}  // namespace keyward::scenarios
