// keyward keys check: the start-up validation, once, as a table — for cron
// jobs and for an operator who just edited .env. Exit 1 when any key fails.
#include <cstdio>

#include "base/flags.h"
#include "router/http/transports.h"
#include "router/http/validation.h"
#include "router/main/commands.h"
#include "router/main/serve_setup.h"

namespace keyward {

namespace {

constexpr Flag kKeysCheckFlags[] = {
    {"--env", "FILE", ".env with the keys (default .env; the process environment wins)"},
    {"--config", "FILE", "keyward.yaml: providers and their base URLs"},
};

}  // namespace

const CommandHelp kKeysCheckCommand{
    "keys check", "[options]", "validate every key once (one cheap call each) and print a table", kKeysCheckFlags,
    "exit: 0 every key validated, 1 a key failed or none is configured, 2 bad usage or config\n"};

int keys_check_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  bool ok = parse_flags(argc, argv, kKeysCheckFlags, &args, &error);
  if (ok && !args.positionals.empty()) {
    error = "unexpected '" + args.positionals.front() + "'";
    ok = false;
  }
  if (!ok) return usage_error(kKeysCheckCommand, error);
  std::string config_path = args.value("--config").value_or("");
  std::string env_path = args.value("--env").value_or(".env");
  RouterInputs inputs;
  if (!load_router_inputs(config_path, env_path, &inputs, &error)) {
    std::fprintf(stderr, "ERROR: %s\n", error.c_str());
    return 2;
  }
  std::vector<std::string> warnings = inputs.warnings;
  RouterConfig config = keyed_config(inputs, &warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "WARN: %s\n", w.c_str());
  if (config.key_count() == 0) {
    std::fprintf(stderr, "ERROR: no API keys configured (GROQ_API_KEY_1=..., GEMINI_API_KEY_1=..., MISTRAL_API_KEY_1=...)\n");
    return 1;
  }
  RealClock clock;
  http::WireTransport transport;
  auto results = http::validate_keys(config, transport, clock);
  std::printf("%-10s %-4s %-18s %-7s %10s  %s\n", "PROVIDER", "KEY", "MASKED", "RESULT", "LATENCY", "DETAIL");
  for (const auto& v : results) {
    double ms = std::chrono::duration<double, std::milli>(v.latency).count();
    std::string detail = v.ok() ? std::to_string(v.models) + " models"
                                : std::string(to_string(v.classification.cls)) + ": " + v.classification.message;
    std::printf("%-10s %-4d %-18s %-7s %8.1fms  %s\n", v.provider.c_str(), v.key_index, v.masked_key.c_str(),
                v.ok() ? "ok" : "FAILED", ms, detail.c_str());
  }
  for (const auto& line : http::validation_summary_lines(config, results)) std::printf("%s\n", line.c_str());
  return http::count_ok(results) == results.size() ? 0 : 1;
}

}  // namespace keyward
