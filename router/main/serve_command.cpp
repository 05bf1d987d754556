// keyward serve: the production router. Signals are handled synchronously on
// the main thread with sigwait (blocked before any thread starts), so SIGHUP
// reloads and SIGINT/SIGTERM stop without async-signal-safety concerns.
#include <csignal>
#include <cstdio>
#include <pthread.h>

#include <sys/stat.h>

#include "base/flags.h"
#include "router/main/app.h"
#include "router/main/commands.h"
#include "router/main/serve_settings.h"
#include "router/main/serve_setup.h"

namespace keyward {

namespace {

constexpr Flag kServeFlags[] = {
    {"--config", "FILE", "keyward.yaml: providers, timeouts, policies, alerts (default: built in)"},
    {"--env", "FILE", ".env with the keys and alert channels (default .env; the process environment wins)"},
    {"--listen", "HOST:PORT", "where to serve (default 127.0.0.1:5000)"},
    {"--journal", "FILE", "the JSONL journal (default keyward-journal.jsonl)"},
    {"--store", "FILE", "the SQLite store of incidents and the alert outbox (default keyward.db)"},
};

int serve_usage(const std::string& error) {
  std::fprintf(stderr,
               "keyward serve: %s\n"
               "usage: keyward serve [--config keyward.yaml] [--env .env] [--listen 127.0.0.1:5000] [--journal FILE]\n"
               "                     [--store keyward.db]\n",
               error.c_str());
  return 2;
}
// When .env last changed: an incident still open at start shows it as "keys updated".
std::optional<WallTime> file_mtime(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return WallTime(std::chrono::seconds(st.st_mtime));
}
}  // namespace

int serve_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") return serve_usage("help") - 2;
  if (!parse_flags(argc, argv, kServeFlags, &args, &error)) return serve_usage(error);
  if (!args.positionals.empty()) return serve_usage("unexpected '" + args.positionals.front() + "'");
  std::string config_path = args.value("--config").value_or("");
  std::string env_path = args.value("--env").value_or(".env");
  std::string listen = args.value("--listen").value_or("127.0.0.1:5000");
  std::string journal = args.value("--journal").value_or("keyward-journal.jsonl");
  std::string store = args.value("--store").value_or("keyward.db");

  RouterInputs inputs;
  if (!load_router_inputs(config_path, env_path, &inputs, &error)) {
    std::fprintf(stderr, "ERROR: %s\n", error.c_str());
    return 2;
  }
  http::ServerSettings server;
  try {
    server = server_settings_from_yaml(inputs.config_yaml, config_path);
  } catch (const SchemaError& e) {
    std::fprintf(stderr, "ERROR: %s\n", e.what());
    return 2;
  }

  // Block before any thread exists so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGHUP);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server

  static RealClock clock;
  AppOptions o;
  o.config = inputs.config;
  o.env = inputs.env;
  o.env_source = env_path;
  o.config_yaml = inputs.config_yaml;
  o.config_source = config_path.empty() ? "keyward.yaml" : config_path;
  o.warnings = inputs.warnings;
  o.clock = &clock;
  o.listen = listen;
  o.journal_path = journal;
  o.store_path = store;
  o.server = server;
  o.keys_updated_at = file_mtime(env_path);
  o.reload_source = [config_path, env_path](RouterConfig* out, EnvMap* env, std::string* err) {
    RouterInputs fresh;
    if (!load_router_inputs(config_path, env_path, &fresh, err)) return false;
    std::vector<std::string> warnings;
    *out = keyed_config(fresh, &warnings);
    *env = fresh.env;
    for (const auto& w : warnings) std::printf("WARN: %s\n", w.c_str());
    return true;
  };
  App app(std::move(o));
  if (!app.start(&error)) {
    std::fprintf(stderr, "ERROR: %s\n", error.c_str());
    return 1;
  }
  http::Service& service = app.service();
  if (service.journal().options().path.size())
    service.log("INFO: Journal: " + service.journal().options().path);
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      std::string summary;
      service.log("INFO: SIGHUP: reloading .env and configuration");
      service.reload_from_source(&summary);
      continue;
    }
    service.log(std::string("INFO: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
    app.stop();
    return 0;
  }
}

}  // namespace keyward
