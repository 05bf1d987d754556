#pragma once
// What `keyward serve` and `keyward keys check` share: reading keyward.yaml,
// .env and the process environment into a configuration.
#include <string>
#include <vector>

#include "router/core/config.h"
#include "router/core/env_file.h"

namespace keyward {

struct RouterInputs {
  RouterConfig config;     // defaults overridden by the YAML; keys not applied yet
  EnvMap env;              // .env merged with the process environment (process wins)
  std::string config_yaml;  // the YAML text: router/alerts reads its `alerts:` section
  std::vector<std::string> warnings;  // missing .env, malformed lines (with line numbers)
};

// False with `error` = "file:line: path: message" when the YAML is bad.
bool load_router_inputs(const std::string& config_path, const std::string& env_path, RouterInputs* out,
                        std::string* error);

// Keys applied: the configuration a router runs with. Diagnostics go to warnings.
RouterConfig keyed_config(const RouterInputs& in, std::vector<std::string>* warnings);

}  // namespace keyward
