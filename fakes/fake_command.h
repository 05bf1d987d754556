#pragma once
// `keyward fake WORLD.yaml`: starts the world a file describes, prints one
// line per listener ("groq http://127.0.0.1:40123/openai/v1"), then "ready",
// and serves until SIGINT/SIGTERM (exit 0). A malformed world file prints
// "file:line: path: message" and exits 2; a usage error exits 2; a start
// failure (port in use, TLS) exits 1.
#include <functional>
#include <iosfwd>
#include <string>

#include "base/flags.h"

namespace keyward::fakes {

// argv[0] is the command name; argv[1] the world file ("fake" as argv[1] is
// skipped, so both `fake_main(argc, argv)` from main and from a dispatcher work).
int fake_main(int argc, char** argv);
// Its help (`keyward fake --help`); it takes no flags yet.
extern const CommandHelp kFakeCommand;

// The testable core of fake_main: loads and starts the world with an
// OffsetClock (moved by each fake's /_fake/clock), prints the listeners and
// "ready" to `out` (flushed), then calls `wait_for_stop` and stops.
int run_fake_world(const std::string& path, std::ostream& out, std::ostream& err,
                   const std::function<void()>& wait_for_stop);

}  // namespace keyward::fakes
