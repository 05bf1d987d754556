// `keyward --help`, `keyward help <command>`, `keyward <command> --help` and
// bad flags, for every command of the one table (router/main/cli.h): a flag
// added to a command's table without a help line, or a command whose parser
// does not answer an unknown flag with its usage and exit 2, fails here.
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>

#include "router/main/cli.h"
#include "tests/router/main/run_binary.h"

namespace keyward {
namespace {

using test::run_keyward;

std::vector<std::string> words_of(const std::string& name) {
  std::istringstream in(name);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// How a command is invoked: its words; a mode flag among them ("run
// --shrink") takes a value, given as x.yaml.
std::vector<std::string> invocation(const CommandHelp& c) {
  std::vector<std::string> args;
  for (const auto& w : words_of(c.name)) {
    args.push_back(w);
    if (w.rfind("--", 0) == 0) args.push_back("x.yaml");
  }
  return args;
}

// The help text lists `f` on a line of its own, with its help.
void expect_listed(const std::string& help, const Flag& f, const std::string& command) {
  std::istringstream lines(help);
  bool found = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.find(std::string(" ") + f.name) == std::string::npos) continue;
    if (f.value_name && line.find(std::string(f.name) + " " + f.value_name) == std::string::npos) continue;
    if (line.find(f.help) == std::string::npos) continue;
    found = true;
  }
  EXPECT_TRUE(found) << "keyward " << command << " --help does not list " << f.name << " with its help:\n" << help;
}

TEST(CliHelp, EveryFlagOfTheTableHasAOneLineHelp) {
  for (const auto& c : cli_commands()) {
    ASSERT_NE(c.help->summary, nullptr);
    EXPECT_GT(std::strlen(c.help->summary), 10u) << c.help->name;
    for (const auto& f : c.help->flags) {
      EXPECT_EQ(std::string(f.name).rfind("--", 0), 0u) << c.help->name << ": " << f.name;
      ASSERT_NE(f.help, nullptr) << c.help->name << " " << f.name;
      EXPECT_GT(std::strlen(f.help), 3u) << c.help->name << " " << f.name << " has no help line";
      EXPECT_EQ(std::string(f.help).find('\n'), std::string::npos) << c.help->name << " " << f.name;
    }
  }
}

TEST(CliHelp, CommandHelpListsEveryFlagItAccepts) {
  for (const auto& c : cli_commands()) {
    std::vector<std::string> args = words_of(c.help->name);
    args.push_back("--help");
    auto r = run_keyward(args);
    EXPECT_EQ(r.exit_code, 0) << c.help->name;
    EXPECT_EQ(r.out.rfind(std::string("usage: keyward ") + c.help->name, 0), 0u) << r.out;
    for (const auto& f : c.help->flags) expect_listed(r.out, f, c.help->name);
    EXPECT_NE(r.out.find("-h, --help"), std::string::npos) << r.out;
    EXPECT_EQ(r.err, "");

    // `keyward help <command>` prints the same text.
    std::vector<std::string> help_args{"help"};
    for (const auto& w : words_of(c.help->name)) help_args.push_back(w);
    auto h = run_keyward(help_args);
    EXPECT_EQ(h.exit_code, 0) << c.help->name;
    EXPECT_EQ(h.out, r.out) << "keyward help " << c.help->name;
  }
}

TEST(CliHelp, AnUnknownFlagPrintsTheUsageOnStderrAndExits2) {
  for (const auto& c : cli_commands()) {
    std::vector<std::string> args = invocation(*c.help);
    args.push_back("--no-such-flag");
    auto r = run_keyward(args);
    EXPECT_EQ(r.exit_code, 2) << c.help->name << "\n" << r.err;
    EXPECT_NE(r.err.find("unknown option '--no-such-flag'"), std::string::npos) << c.help->name << "\n" << r.err;
    EXPECT_NE(r.err.find(std::string("usage: keyward ") + c.help->name), std::string::npos) << c.help->name << "\n"
                                                                                            << r.err;
    EXPECT_EQ(r.out, "") << c.help->name;
  }
}

TEST(CliHelp, TheOverallHelpListsEveryCommand) {
  for (const auto& spelling : {"--help", "-h", "help"}) {
    auto r = run_keyward({spelling});
    EXPECT_EQ(r.exit_code, 0) << spelling;
    for (const auto& c : cli_commands()) {
      EXPECT_NE(r.out.find(std::string("  ") + c.help->name + " "), std::string::npos) << c.help->name;
      EXPECT_NE(r.out.find(c.help->summary), std::string::npos) << c.help->name;
    }
  }
}

TEST(CliHelp, NoCommandAnUnknownCommandOrAGlobalFlagExit2WithTheUsage) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {}, {"frobnicate"}, {"--frobnicate"}, {"keys"}, {"keys", "rotate"}, {"help", "frobnicate"}}) {
    auto r = run_keyward(args);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "" : args.back());
    EXPECT_NE(r.err.find("usage: keyward"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

TEST(CliHelp, VersionAndShortHelpSpellings) {
  auto v = run_keyward({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.out, cli_version() + "\n");
  auto keys = run_keyward({"keys", "--help"});
  EXPECT_EQ(keys.exit_code, 0);
  EXPECT_EQ(keys.out.rfind("usage: keyward keys check", 0), 0u) << keys.out;
  auto shrink = run_keyward({"help", "shrink"});
  EXPECT_EQ(shrink.out.rfind("usage: keyward run --shrink", 0), 0u) << shrink.out;
  auto run_shrink = run_keyward({"run", "--shrink", "x.yaml", "-h"});
  EXPECT_EQ(run_shrink.out, shrink.out);
}

}  // namespace
}  // namespace keyward
