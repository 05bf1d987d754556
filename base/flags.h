#pragma once
// The command-line parser every `keyward` command shares. A command declares
// its flags once, as a table (name, value name or none, one line of help);
// the same table parses argv, names what is wrong, and prints the flag list
// for the command's usage text.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keyward {

struct Flag {
  const char* name;             // "--config"
  const char* value_name;       // "FILE"; nullptr for a switch that takes no value
  const char* help;             // one line
  const char* alias = nullptr;  // a short spelling, e.g. "-o" for "--output"
};

struct ParsedArgs {
  // Flags in command-line order, each under its table name ("--output" also
  // when spelled "-o"); "" as the value of a switch.
  std::vector<std::pair<std::string, std::string>> flags;
  std::vector<std::string> positionals;  // arguments that are not flags, in order

  bool has(std::string_view name) const;
  // The last value given for `name` (a later flag overrides an earlier one).
  std::optional<std::string> value(std::string_view name) const;
};

// Parses argv[1..argc): "--name value", "--name=value", switches, and
// positionals (anything not starting with '-', and "-" itself). False with
// `error` = "unknown option '--x'" or "option --x needs a value".
bool parse_flags(int argc, char** argv, std::span<const Flag> table, ParsedArgs* out, std::string* error);

// The table as usage lines, one per flag, help aligned:
//   "  --config FILE         keyward.yaml to read"
std::string flags_help(std::span<const Flag> table);

// One `keyward` command's help, declared once next to its flag table: the
// same table parses its argv, prints `keyward <command> --help` and the usage
// that follows a bad flag, so a flag cannot be accepted without a help line.
struct CommandHelp {
  const char* name;      // "serve", "keys check", "run --shrink"
  const char* synopsis;  // after "keyward <name> ": "[options]", "PATH... [options]"
  const char* summary;   // one line: what it does
  std::span<const Flag> flags;
  const char* notes = nullptr;  // optional lines after the flags (exit codes, other modes)
};

// "usage: keyward <name> <synopsis>\n<summary>\n\noptions:\n<flags>[notes]".
std::string command_usage(const CommandHelp& command);

// A usage error: "keyward <name>: <error>\n" and the usage on stderr; returns 2,
// the exit code of bad usage for every command.
int usage_error(const CommandHelp& command, const std::string& error);

}  // namespace keyward
