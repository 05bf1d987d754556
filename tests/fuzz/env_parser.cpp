// .env parser and key application: any bytes give diagnostics, never a crash,
// and a masked key never shows its secret.
#include <cstdlib>
#include <string_view>

#include "router/core/env_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = keyward::parse_env(text, ".env");
  for (const auto& d : parsed.diagnostics) (void)d.to_string();
  auto config = keyward::default_config();
  keyward::apply_env(config, parsed.entries, {});
  (void)keyward::merge_env(parsed.entries, parsed.entries);
  for (const auto& p : config.providers)
    for (const auto& k : p.keys)
      if (k.secret.size() >= 12 && k.masked().find(k.secret) != std::string::npos) std::abort();
  return 0;
}
