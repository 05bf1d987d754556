#include "router/main/serve_setup.h"

#include <fstream>
#include <sstream>

extern char** environ;

namespace keyward {

bool load_router_inputs(const std::string& config_path, const std::string& env_path, RouterInputs* out,
                        std::string* error) {
  RouterInputs in;
  in.config = default_config();
  if (!config_path.empty()) {
    try {
      std::ifstream yaml(config_path, std::ios::binary);
      std::stringstream text;
      text << yaml.rdbuf();
      in.config_yaml = text.str();
      in.config = load_config_file(config_path);
    } catch (const SchemaError& e) {
      *error = e.what();
      return false;
    } catch (const std::exception& e) {  // unreadable file, YAML syntax
      *error = config_path + ": " + e.what();
      return false;
    }
  }
  EnvMap dotenv;
  std::ifstream file(env_path);
  if (!file) {
    in.warnings.push_back(env_path + " not found: using the process environment only");
  } else {
    std::stringstream ss;
    ss << file.rdbuf();
    auto parsed = parse_env(ss.str(), env_path);
    dotenv = std::move(parsed.entries);
    for (const auto& d : parsed.diagnostics) in.warnings.push_back(d.to_string());
  }
  EnvMap process;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    process[kv.substr(0, eq)] = EnvEntry{kv.substr(eq + 1), "environment", 0};
  }
  in.env = merge_env(dotenv, process);
  *out = std::move(in);
  return true;
}

RouterConfig keyed_config(const RouterInputs& in, std::vector<std::string>* warnings) {
  RouterConfig c = in.config;
  for (const auto& d : apply_env(c, in.env, {}))
    if (warnings) warnings->push_back(d.to_string());
  return c;
}

}  // namespace keyward
