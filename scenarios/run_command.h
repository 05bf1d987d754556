#pragma once
#include "base/flags.h"

namespace keyward::scenarios {

// keyward run PATH... [--junit F] [--json F] [--report F.html] [--seed N]
//                     [--filter REGEX] [--jobs N] [--work-dir D]
// Exit 0 when every scenario passes, 1 when one fails, 2 on a schema error.
int run_main(int argc, char** argv);
// Its flags and help (`keyward run --help`).
extern const CommandHelp kRunCommand;

}  // namespace keyward::scenarios
