#include "base/flags.h"

#include <algorithm>
#include <cstdio>

namespace keyward {

bool ParsedArgs::has(std::string_view name) const {
  return std::any_of(flags.begin(), flags.end(), [&](const auto& f) { return f.first == name; });
}

std::optional<std::string> ParsedArgs::value(std::string_view name) const {
  std::optional<std::string> v;
  for (const auto& [n, value] : flags)
    if (n == name) v = value;
  return v;
}

bool parse_flags(int argc, char** argv, std::span<const Flag> table, ParsedArgs* out, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') {
      out->positionals.push_back(arg);
      continue;
    }
    std::string name = arg, value;
    auto eq = arg.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    auto flag = std::find_if(table.begin(), table.end(),
                             [&](const Flag& f) { return name == f.name || (f.alias && name == f.alias); });
    if (flag == table.end()) {
      *error = "unknown option '" + name + "'";
      return false;
    }
    if (!flag->value_name) {
      if (inline_value) {
        *error = "option " + std::string(flag->name) + " takes no value";
        return false;
      }
    } else if (!inline_value) {
      if (i + 1 >= argc) {
        *error = "option " + std::string(flag->name) + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    out->flags.emplace_back(flag->name, value);
  }
  return true;
}

std::string flags_help(std::span<const Flag> table) {
  auto spelling = [](const Flag& f) {
    std::string s = f.alias ? std::string(f.alias) + ", " + f.name : std::string(f.name);
    if (f.value_name) s += std::string(" ") + f.value_name;
    return s;
  };
  size_t width = 0;
  for (const auto& f : table) width = std::max(width, spelling(f).size());
  std::string out;
  for (const auto& f : table) {
    std::string s = spelling(f);
    out += "  " + s + std::string(width - s.size() + 2, ' ') + f.help + "\n";
  }
  return out;
}

std::string command_usage(const CommandHelp& command) {
  std::string out = std::string("usage: keyward ") + command.name;
  if (command.synopsis && *command.synopsis) out += std::string(" ") + command.synopsis;
  out += "\n  " + std::string(command.summary) + "\n";
  // --help is answered by the dispatcher (router/main/cli.cpp) before a
  // command parses its flags; it is listed with them, aligned the same way.
  std::vector<Flag> all(command.flags.begin(), command.flags.end());
  all.push_back({"--help", nullptr, "print this help", "-h"});
  out += "\noptions:\n" + flags_help(all);
  if (command.notes) out += std::string("\n") + command.notes;
  return out;
}

int usage_error(const CommandHelp& command, const std::string& error) {
  std::fprintf(stderr, "keyward %s: %s\n%s", command.name, error.c_str(), command_usage(command).c_str());
  return 2;
}

}  // namespace keyward
