// `keyward fake WORLD.yaml`, in-process: listeners, ready, exit codes.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "fakes/fake_command.h"
#include "tests/fakes/test_support.h"

namespace keyward::fakes::testing {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(FakeCommand, PrintsListenersThenReadyAndServes) {
  auto path = write_temp("keyward_fake_ok.yaml",
                         "providers:\n  - {name: groq, kind: groq, keys: {k-valid-000000: valid}}\n"
                         "  - {name: gem, kind: gemini}\n");
  std::ostringstream out, err;
  int status = -1;
  int rc = run_fake_world(path, out, err, [&] {
    // Called after "ready": the listeners are up.
    std::istringstream lines(out.str());
    std::string name, url;
    lines >> name >> url;
    ASSERT_EQ(name, "groq");
    ASSERT_EQ(url.rfind("http://127.0.0.1:", 0), 0u);
    ASSERT_EQ(url.substr(url.size() - 10), "/openai/v1");
    httplib::Client c(url.substr(0, url.size() - 10));
    auto r = c.Get("/openai/v1/models", {{"Authorization", "Bearer k-valid-000000"}});
    status = r ? r->status : 0;
  });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(status, 200);
  auto text = out.str();
  EXPECT_NE(text.find("\ngem http://127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find("/v1beta\nready\n"), std::string::npos) << text;
  std::remove(path.c_str());
}

TEST(FakeCommand, MalformedWorldExits2WithFileLineAndPath) {
  auto path = write_temp("keyward_fake_bad.yaml", "providers:\n  - kind: groq\n    colour: blue\n");
  std::ostringstream out, err;
  bool waited = false;
  EXPECT_EQ(run_fake_world(path, out, err, [&] { waited = true; }), 2);
  EXPECT_FALSE(waited);
  EXPECT_EQ(err.str(), path + ":3: providers[0].colour: unknown field 'colour'\n");
  EXPECT_EQ(out.str(), "");
  std::remove(path.c_str());
}

TEST(FakeCommand, UsageErrorExits2) {
  char prog[] = "keyward";
  char* argv[] = {prog, nullptr};
  EXPECT_EQ(fake_main(1, argv), 2);
  // The command takes no flags: one is refused before anything starts.
  char fake[] = "fake", flag[] = "--port=1", world[] = "w.yaml", other[] = "x.yaml";
  char* with_flag[] = {prog, fake, flag, world, nullptr};
  EXPECT_EQ(fake_main(4, with_flag), 2);
  char* two_files[] = {prog, fake, world, other, nullptr};
  EXPECT_EQ(fake_main(4, two_files), 2);
}

TEST(FakeCommand, ClockIsMovableThroughTheControlApi) {
  auto path = write_temp("keyward_fake_clock.yaml", "providers:\n  - {kind: openai}\n");
  std::ostringstream out, err;
  int status = 0;
  run_fake_world(path, out, err, [&] {
    std::istringstream lines(out.str());
    std::string name, url;
    lines >> name >> url;
    httplib::Client c(url.substr(0, url.size() - 3));
    auto r = c.Post("/_fake/clock", R"({"advance_ms":3600000})", "application/json");
    status = r ? r->status : 0;
  });
  EXPECT_EQ(status, 200);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace keyward::fakes::testing
