#include "fakes/fake_command.h"

#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <stdexcept>

#include "base/flags.h"
#include "fakes/world.h"

namespace keyward::fakes {

int run_fake_world(const std::string& path, std::ostream& out, std::ostream& err,
                   const std::function<void()>& wait_for_stop) {
  WorldOptions options;
  try {
    options = load_world_file(path);
  } catch (const SchemaError& e) {
    err << e.what() << "\n";
    err.flush();
    return 2;
  }
  OffsetClock clock;
  World world(std::move(options), clock, clock_control(clock));
  try {
    world.start();
  } catch (const std::exception& e) {
    err << "keyward fake: " << e.what() << "\n";
    err.flush();
    return 1;
  }
  for (const auto& l : world.listeners()) out << l.name << " " << l.base_url << "\n";
  out << "ready\n";
  out.flush();
  wait_for_stop();
  world.stop();
  return 0;
}

namespace {
// No flags yet: the table is where they go, and anything flag-like is refused.
constexpr std::span<const Flag> kFakeFlags{};
}  // namespace

const CommandHelp kFakeCommand{
    "fake", "WORLD.yaml",
    "start the fake providers and alert sinks a world file describes; print their URLs, then \"ready\"",
    kFakeFlags,
    "The world schema is at the top of fakes/world.h. Stops on SIGINT/SIGTERM.\n"
    "exit: 0 stopped, 1 cannot start (port in use, TLS), 2 bad usage or a malformed world file\n"};

int fake_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  if (!parse_flags(argc, argv, kFakeFlags, &args, &error)) return usage_error(kFakeCommand, error);
  auto& files = args.positionals;
  if (!files.empty() && files.front() == "fake") files.erase(files.begin());
  if (files.size() != 1)
    return usage_error(kFakeCommand, files.empty() ? "which world? (WORLD.yaml)" : "one world file at a time");
  // Block the stop signals before any fake thread exists, so every thread
  // inherits the mask and sigwait below is the only place they land.
  sigset_t stop_signals, old_mask;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, &old_mask);
  // A client hanging up mid-answer must not kill the fake.
  signal(SIGPIPE, SIG_IGN);
  int rc = run_fake_world(files.front(), std::cout, std::cerr, [&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
  });
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  return rc;
}

}  // namespace keyward::fakes
