#pragma once
// The `keyward` command line: one table of the commands, each with its flag
// table and help (declared next to the command's code), and the dispatcher
// main() calls. `keyward --help` lists the commands; `keyward help <command>`
// and `keyward <command> --help` print a command's flags, one line each; a
// bad flag prints the command's usage on stderr and exits 2.
#include <span>
#include <string>

#include "base/flags.h"

namespace keyward {

struct CliCommand {
  const CommandHelp* help;
  int (*run)(int argc, char** argv);  // argv[0]: the command's last word ("serve", "check", "run")
};

// Every command, in the order `keyward --help` lists them.
std::span<const CliCommand> cli_commands();

// The overall usage: the commands, one line each, and how to get their flags.
std::string cli_usage();

// "keyward <version> (commit <hash>)".
std::string cli_version();

// What main() does with its argv. Exit codes: the command's own; 0 for help
// and the version; 2 for an unknown command or flag.
int cli_main(int argc, char** argv);

}  // namespace keyward
