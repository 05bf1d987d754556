#pragma once
// Entry points of the router's commands; router/main/main.cpp dispatches
// `keyward serve ...`, `keyward keys check ...` and `keyward init` here (argv[0] is the
// subcommand's name: "serve" or "check").
#include "base/flags.h"

namespace keyward {

// keyward serve [--config keyward.yaml] [--env .env] [--listen 127.0.0.1:5000] [--journal FILE]
// Exit: 0 after a graceful stop (SIGINT/SIGTERM), 1 when it cannot start, 2 on bad usage or config.
int serve_main(int argc, char** argv);

// keyward keys check [--env .env] [--config keyward.yaml]
// Exit: 0 when every key validated, 1 when any failed, 2 on bad usage or config.
int keys_check_main(int argc, char** argv);

// keyward init [--dir DIR]: writes a commented keyward.yaml and .env.example.
// Exit: 0 when written, 1 when either file exists (nothing written) or cannot
// be written, 2 on bad usage.
int init_main(int argc, char** argv);
// What init writes (tests load them as serve would).
extern const char* const kInitKeywardYaml;
extern const char* const kInitEnvExample;

// Their flags and help (`keyward <command> --help`); router/main/cli.cpp
// lists every command's.
extern const CommandHelp kServeCommand;
extern const CommandHelp kKeysCheckCommand;
extern const CommandHelp kInitCommand;

}  // namespace keyward
