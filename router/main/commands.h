#pragma once
// Entry points of the router's commands; router/main/main.cpp dispatches
// `keyward serve ...` and `keyward keys check ...` here (argv[0] is the
// subcommand's name: "serve" or "check").
namespace keyward {

// keyward serve [--config keyward.yaml] [--env .env] [--listen 127.0.0.1:5000] [--journal FILE]
// Exit: 0 after a graceful stop (SIGINT/SIGTERM), 1 when it cannot start, 2 on bad usage or config.
int serve_main(int argc, char** argv);

// keyward keys check [--env .env] [--config keyward.yaml]
// Exit: 0 when every key validated, 1 when any failed, 2 on bad usage or config.
int keys_check_main(int argc, char** argv);

}  // namespace keyward
