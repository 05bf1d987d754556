// keyward: the router (serve, keys check) and its harness (fake, run).
#include <cstdio>
#include <cstring>
#include <string>

#include "fakes/fake_command.h"
#include "router/main/commands.h"
#include "scenarios/replay.h"
#include "scenarios/run_command.h"

namespace {

int usage(FILE* out) {
  std::fprintf(out,
               "usage: keyward <command> [options]       keyward --version\n"
               "\n"
               "  init [--dir DIR]    write a commented keyward.yaml and .env.example to start from\n"
               "  serve [--config F] [--env .env] [--listen HOST:PORT] [--journal F]\n"
               "                      route chat requests across providers and keys\n"
               "  keys check [--env .env] [--config F]\n"
               "                      validate every key once and print a table\n"
               "  fake WORLD.yaml     start fake providers and alert sinks\n"
               "  run PATH...         run scenario files or folders against the fakes\n"
               "  run FILE --router-url URL [--env-file F] [--admin-token T] [--fake-port-base N]\n"
               "                      run one scenario black-box against an external keyward serve\n"
               "  run --shrink FILE -o OUT.yaml\n"
               "                      shrink a failing scenario to the smallest that still fails\n"
               "  replay JOURNAL.jsonl -o OUT.yaml [--from T] [--to T] [--compress F] [--sample N]\n"
               "                      turn the router's journal into a scenario\n");
  return out == stderr ? 2 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  std::string cmd = argv[1];
  if (cmd == "-h" || cmd == "--help" || cmd == "help") return usage(stdout);
  if (cmd == "--version" || cmd == "version") {
    std::printf("keyward %s (commit %s)\n", KEYWARD_VERSION, KEYWARD_COMMIT);
    return 0;
  }
  if (cmd == "init") return keyward::init_main(argc - 1, argv + 1);
  if (cmd == "serve") return keyward::serve_main(argc - 1, argv + 1);
  if (cmd == "keys" && argc >= 3 && std::strcmp(argv[2], "check") == 0)
    return keyward::keys_check_main(argc - 2, argv + 2);
  if (cmd == "fake") return keyward::fakes::fake_main(argc - 1, argv + 1);
  if (cmd == "run") return keyward::scenarios::run_main(argc - 1, argv + 1);
  if (cmd == "replay") return keyward::scenarios::replay_main(argc - 1, argv + 1);
  std::fprintf(stderr, "keyward: unknown command '%s'\n\n", cmd.c_str());
  return usage(stderr);
}
