#include "router/main/cli.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fakes/fake_command.h"
#include "router/main/commands.h"
#include "scenarios/replay.h"
#include "scenarios/run_command.h"
#include "scenarios/shrink.h"

namespace keyward {

namespace {

// `keyward run --shrink ...` dispatches through run_main, which hands over
// to shrink_main: one entry point for both modes.
const CliCommand kCommands[] = {
    {&kInitCommand, init_main},
    {&kServeCommand, serve_main},
    {&kKeysCheckCommand, keys_check_main},
    {&fakes::kFakeCommand, fakes::fake_main},
    {&scenarios::kRunCommand, scenarios::run_main},
    {&scenarios::kShrinkCommand, scenarios::run_main},
    {&scenarios::kReplayCommand, scenarios::replay_main},
};

const CliCommand* by_name(const std::string& name) {
  for (const auto& c : kCommands)
    if (name == c.help->name) return &c;
  return nullptr;
}

// `keyward help NAME`: the names, and "keys" and "shrink" for short.
const CliCommand* help_topic(const std::string& name) {
  if (name == "keys") return by_name("keys check");
  if (name == "shrink" || name == "--shrink") return by_name("run --shrink");
  return by_name(name);
}

bool is_help(const char* arg) { return std::strcmp(arg, "--help") == 0 || std::strcmp(arg, "-h") == 0; }

int print_help(const CliCommand& c) {
  std::fputs(command_usage(*c.help).c_str(), stdout);
  return 0;
}

int unknown(const std::string& what) {
  std::fprintf(stderr, "keyward: %s\n\n%s", what.c_str(), cli_usage().c_str());
  return 2;
}

}  // namespace

std::span<const CliCommand> cli_commands() { return kCommands; }

std::string cli_usage() {
  std::string out = "usage: keyward <command> [options]\n\ncommands:\n";
  size_t width = 0;
  for (const auto& c : kCommands) width = std::max(width, std::strlen(c.help->name));
  for (const auto& c : kCommands) {
    std::string name = c.help->name;
    out += "  " + name + std::string(width - name.size() + 2, ' ') + c.help->summary + "\n";
  }
  out +=
      "\n"
      "  keyward help <command>, keyward <command> --help   the command's flags, one line each\n"
      "  keyward --version                                  the version and commit\n";
  return out;
}

std::string cli_version() { return std::string("keyward ") + KEYWARD_VERSION + " (commit " + KEYWARD_COMMIT + ")"; }

int cli_main(int argc, char** argv) {
  if (argc < 2) return unknown("which command?");
  std::string first = argv[1];
  if (is_help(argv[1]) || (first == "help" && argc == 2)) {
    std::fputs(cli_usage().c_str(), stdout);
    return 0;
  }
  if (first == "--version" || first == "version") {
    std::printf("%s\n", cli_version().c_str());
    return 0;
  }
  if (first == "help") {
    std::string name = argv[2];
    for (int i = 3; i < argc; ++i) name += std::string(" ") + argv[i];
    const CliCommand* c = help_topic(name);
    return c ? print_help(*c) : unknown("no command '" + name + "'");
  }
  if (first.size() > 1 && first[0] == '-') return unknown("unknown option '" + first + "'");

  // The command and where its own argv starts (argv[0] is its last word).
  const CliCommand* c = nullptr;
  int at = 1;
  if (first == "keys") {
    c = by_name("keys check");
    if (argc >= 3 && std::strcmp(argv[2], "check") == 0) {
      at = 2;
    } else if (!(argc >= 3 && is_help(argv[2]))) {
      return usage_error(*c->help, argc >= 3 ? "no command 'keys " + std::string(argv[2]) + "'" : "keys what?");
    }
  } else {
    c = first.find(' ') == std::string::npos ? by_name(first) : nullptr;
    if (!c) return unknown("no command '" + first + "'");
    if (first == "run")
      for (int i = 2; i < argc; ++i)
        if (std::strcmp(argv[i], "--shrink") == 0) c = by_name("run --shrink");
  }
  for (int i = at + 1; i < argc; ++i)
    if (is_help(argv[i])) return print_help(*c);
  return c->run(argc - at, argv + at);
}

}  // namespace keyward
