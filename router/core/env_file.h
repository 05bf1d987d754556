#pragma once
// .env parsing and applying secrets to the configuration.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "router/core/config.h"

namespace keyward {

struct EnvEntry {
  std::string value;
  std::string source;  // ".env" file name or "environment"
  int line = 0;
};
using EnvMap = std::map<std::string, EnvEntry>;

struct EnvParseResult {
  EnvMap entries;
  std::vector<Diagnostic> diagnostics;
};

// Accepts comments, blank lines, `export `, single/double quotes (double quotes
// understand \n \" \\), inline ` #` comments on unquoted values, CRLF. A
// malformed line is reported with its line number and skipped.
EnvParseResult parse_env(std::string_view text, const std::string& source);

// Applies keys (<PREFIX>_API_KEY_N, optional <PREFIX>_API_KEY_N_EXPIRES=YYYY-MM-DD),
// <PREFIX>_BASE_URL and <PREFIX>_MODEL to every provider. `process_env` wins
// over `dotenv`. Gaps in numbering, empty keys, bad dates are reported.
std::vector<Diagnostic> apply_env(RouterConfig& config, const EnvMap& dotenv, const EnvMap& process_env);

// The merged view (process environment wins), for other settings such as
// alert channels (SMTP_URL, TELEGRAM_BOT_TOKEN, ...).
EnvMap merge_env(const EnvMap& dotenv, const EnvMap& process_env);

}  // namespace keyward
