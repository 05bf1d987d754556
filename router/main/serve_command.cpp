// keyward serve: the production router. Signals are handled synchronously on
// the main thread with sigwait (blocked before any thread starts), so SIGHUP
// reloads and SIGINT/SIGTERM stop without async-signal-safety concerns.
#include <csignal>
#include <cstdio>
#include <memory>
#include <vector>
#include <pthread.h>

#include <sys/stat.h>

#include "base/flags.h"
#include "router/main/app.h"
#include "router/main/commands.h"
#include "router/main/loop_watchdog.h"
#include "router/main/serve_settings.h"
#include "router/main/serve_setup.h"
#include "router/main/systemd_notify.h"
#include "router/net/event_loop.h"

namespace keyward {

namespace {

constexpr Flag kServeFlags[] = {
    {"--config", "FILE", "keyward.yaml: providers, timeouts, policies, alerts (default: built in)"},
    {"--env", "FILE", ".env with the keys and alert channels (default .env; the process environment wins)"},
    {"--listen", "HOST:PORT", "where to serve (default 127.0.0.1:5000)"},
    {"--journal", "FILE", "the JSONL journal (default keyward-journal.jsonl)"},
    {"--store", "FILE", "the SQLite store of incidents and the alert outbox (default keyward.db)"},
};

// `systemctl status`'s line once start-up (or a reload) is done.
std::string ready_status(http::Service& service) {
  return "serving on " + service.base_url() + (service.ready() ? "" : "; no key validated yet (see /api/status)");
}

// When .env last changed: an incident still open at start shows it as "keys updated".
std::optional<WallTime> file_mtime(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return std::nullopt;
  return WallTime(std::chrono::seconds(st.st_mtime));
}
}  // namespace

const CommandHelp kServeCommand{
    "serve", "[options]", "route chat requests across providers and keys (the production router)", kServeFlags,
    "Signals: SIGHUP re-reads .env and keyward.yaml (keys, admin token); SIGINT/SIGTERM stop gracefully.\n"
    "Under systemd (Type=notify): READY=1 after the start-up key validation, RELOADING=1/READY=1 around a\n"
    "reload, STOPPING=1, and WATCHDOG=1 while every event loop turns (WatchdogSec=).\n"
    "exit: 0 stopped gracefully, 1 cannot start, 2 bad usage or config\n"};

int serve_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  if (!parse_flags(argc, argv, kServeFlags, &args, &error)) return usage_error(kServeCommand, error);
  if (!args.positionals.empty()) return usage_error(kServeCommand, "unexpected '" + args.positionals.front() + "'");
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
  // start() returned after the start-up key validation: systemd may now
  // order the units that wait for this one.
  systemd::notify_ready(ready_status(service));
  std::unique_ptr<LoopWatchdog> watchdog;
  if (auto interval = systemd::watchdog_interval()) {
    std::vector<net::Executor*> loops;
    for (size_t i = 0; i < service.event_loop().size(); ++i) loops.push_back(&service.event_loop().executor(i));
    watchdog = std::make_unique<LoopWatchdog>(std::move(loops), LoopWatchdog::period_for(*interval),
                                              [] { systemd::notify_watchdog(); });
    watchdog->start();
    service.log("INFO: systemd watchdog: " + std::to_string(interval->count()) + "ms, fed every " +
                std::to_string(LoopWatchdog::period_for(*interval).count()) + "ms while all " +
                std::to_string(service.event_loop().size()) + " event loop(s) turn");
  }
  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      std::string summary;
      service.log("INFO: SIGHUP: reloading .env and configuration");
      systemd::notify_reloading();
      service.reload_from_source(&summary);
      systemd::notify_ready(ready_status(service));
      continue;
    }
    service.log(std::string("INFO: ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ": stopping");
    systemd::notify_stopping();
    if (watchdog) watchdog->stop();
    app.stop();
    return 0;
  }
}

}  // namespace keyward
