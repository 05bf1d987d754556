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

int fake_main(int argc, char** argv) {
  // No flags yet: the table is where they go, and anything flag-like is refused.
  static constexpr std::span<const Flag> kFakeFlags{};
  ParsedArgs args;
  std::string error;
  bool ok = parse_flags(argc, argv, kFakeFlags, &args, &error);
  auto& files = args.positionals;
  if (ok && !files.empty() && files.front() == "fake") files.erase(files.begin());
  if (!ok || files.size() != 1) {
    if (!ok) std::cerr << "keyward fake: " << error << "\n";
    std::cerr << "usage: keyward fake WORLD.yaml\n";
    return 2;
  }
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
