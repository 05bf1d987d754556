// keyward: the router (init, serve, keys check) and its harness (fake, run,
// replay). The commands and their flags: router/main/cli.h.
#include "router/main/cli.h"

int main(int argc, char** argv) { return keyward::cli_main(argc, argv); }
