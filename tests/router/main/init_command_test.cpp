// keyward init: the files it writes are what serve reads without a word of
// complaint, and it never overwrites. serve's warning for a readable .env.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "router/alerts/settings.h"
#include "router/main/commands.h"
#include "router/main/serve_setup.h"

namespace keyward {
namespace {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = std::filesystem::temp_directory_path() /
           ("keyward-init-" + std::to_string(::getpid()) + "-" + info->name());
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

int run_init(const std::filesystem::path& dir) {
  std::string d = dir.string();
  char a0[] = "init", a1[] = "--dir";
  char* argv[] = {a0, a1, d.data(), nullptr};
  return init_main(3, argv);
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Init, WritesAConfigAndAnEnvThatServeReadsCleanly) {
  TempDir t;
  ASSERT_EQ(run_init(t.path), 0);
  auto env = t.path / ".env.example";
  ::chmod(env.c_str(), 0600);
  RouterInputs in;
  std::string error;
  ASSERT_TRUE(load_router_inputs((t.path / "keyward.yaml").string(), env.string(), &in, &error)) << error;
  EXPECT_TRUE(in.warnings.empty()) << in.warnings.front();
  std::vector<std::string> warnings;
  RouterConfig c = keyed_config(in, &warnings);
  std::map<std::string, size_t> keys;
  for (const auto& p : c.providers) keys[p.name] = p.keys.size();
  EXPECT_EQ(keys["groq"], 2u);
  EXPECT_EQ(keys["gemini"], 2u);
  EXPECT_EQ(keys["mistral"], 1u);
  EXPECT_EQ(c.routing.probe_fresh_for, std::chrono::seconds(30));
  auto alerts = alerts::load_alert_settings(in.config_yaml, "keyward.yaml", in.env);
  EXPECT_EQ(alerts.policy.dedup_window, std::chrono::hours(1));
  EXPECT_TRUE(alerts.channels.email_on());
}

TEST(Init, RefusesToOverwriteAndWritesNothing) {
  TempDir t;
  { std::ofstream(t.path / "keyward.yaml") << "mine: true\n"; }
  EXPECT_EQ(run_init(t.path), 1);
  EXPECT_EQ(read(t.path / "keyward.yaml"), "mine: true\n");
  EXPECT_FALSE(std::filesystem::exists(t.path / ".env.example"));
}

TEST(ServeSetup, WarnsWhenTheEnvFileIsReadableByOthers) {
  TempDir t;
  auto env = t.path / ".env";
  { std::ofstream(env) << "GROQ_API_KEY_1=gsk_secret\n"; }
  auto warnings_for = [&](mode_t mode) {
    ::chmod(env.c_str(), mode);
    RouterInputs in;
    std::string error;
    EXPECT_TRUE(load_router_inputs("", env.string(), &in, &error)) << error;
    std::string all;
    for (const auto& w : in.warnings) all += w + "\n";
    return all;
  };
  std::string open = warnings_for(0644);
  EXPECT_NE(open.find("UNPROTECTED " + env.string() + ": permissions 0644"), std::string::npos) << open;
  EXPECT_NE(open.find("chmod 600"), std::string::npos);
  EXPECT_EQ(open.find("gsk_secret"), std::string::npos);
  EXPECT_EQ(warnings_for(0600).find("UNPROTECTED"), std::string::npos);
}

}  // namespace
}  // namespace keyward
