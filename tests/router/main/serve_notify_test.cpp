// `keyward serve` under a stand-in for systemd: READY=1 only after the
// start-up key validation, WATCHDOG=1 while the event loops turn
// ($WATCHDOG_USEC), RELOADING=1 then READY=1 around a SIGHUP reload, and
// STOPPING=1 on SIGTERM. The real binary, against an in-process fake Groq.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "base/clock.h"
#include "base/yaml_reader.h"
#include "fakes/world.h"
#include "tests/router/main/notify_socket.h"
#include "tests/router/main/run_binary.h"

extern char** environ;

namespace keyward {
namespace {

using namespace std::chrono_literals;

constexpr const char* kKey = "gsk-notify-test-GOOD-AAA";

TEST(ServeNotify, ReadyAfterValidationWatchdogReloadAndStop) {
  test::NotifySocket sock;
  ASSERT_TRUE(sock.bound());
  RealClock clock;
  YamlField root{YAML::Load(std::string("providers:\n  - {name: groq, kind: groq, keys: {") + kKey + ": valid}}\n"),
                 "world.yaml", ""};
  fakes::World world(fakes::parse_world(root), clock);
  world.start();

  char tmpl[] = "/tmp/keyward-serve-notify-XXXXXX";
  std::filesystem::path dir = ::mkdtemp(tmpl);
  {
    std::ofstream env(dir / ".env");
    env << "GROQ_API_KEY_1=" << kKey << "\nGROQ_BASE_URL=" << world.provider("groq")->base_url() << "\n";
  }
  std::filesystem::permissions(dir / ".env", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  // The environment systemd would give it: the socket, and a watchdog of
  // 300 ms (fed every 100 ms) meant for this process.
  std::vector<std::string> env_words;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (kv.rfind("NOTIFY_SOCKET=", 0) == 0 || kv.rfind("WATCHDOG_", 0) == 0 || kv.rfind("KEYWARD_", 0) == 0) continue;
    env_words.push_back(kv);
  }
  env_words.push_back("NOTIFY_SOCKET=" + sock.path());
  env_words.push_back("WATCHDOG_USEC=300000");
  std::vector<char*> envp;
  for (auto& w : env_words) envp.push_back(w.data());
  envp.push_back(nullptr);
  std::vector<std::string> words{KEYWARD_BINARY, "serve",
                                 "--env",        (dir / ".env").string(),
                                 "--listen",     "127.0.0.1:0",
                                 "--journal",    (dir / "journal.jsonl").string(),
                                 "--store",      (dir / "keyward.db").string()};
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  std::string log_path = (dir / "serve.log").string();
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  auto log = [&] { return test::slurp(log_path); };

  auto ready = sock.next_starting("READY=1", 30s);
  ASSERT_TRUE(ready) << log();
  EXPECT_GE(world.provider("groq")->requests_for_key(kKey), 1u) << "READY=1 before the key was validated";
  EXPECT_NE(ready->find("\nSTATUS=serving on http://127.0.0.1:"), std::string::npos) << *ready;

  EXPECT_TRUE(sock.next_starting("WATCHDOG=1", 10s)) << "the event loop feeds the watchdog\n" << log();

  ::kill(pid, SIGHUP);
  EXPECT_TRUE(sock.next_starting("RELOADING=1", 10s)) << log();
  EXPECT_TRUE(sock.next_starting("READY=1", 30s)) << "a reload ends with READY=1\n" << log();

  ::kill(pid, SIGTERM);
  EXPECT_TRUE(sock.next_starting("STOPPING=1", 10s)) << log();
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << log();
  world.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace keyward
