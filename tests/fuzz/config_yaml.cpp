// keyward.yaml loader: any bytes load or throw SchemaError (file:line: path),
// nothing else escapes.
#include <string>

#include "router/core/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto c = keyward::load_config_yaml(text, "keyward.yaml");
    (void)c.key_count();
  } catch (const keyward::SchemaError& e) {
    (void)e.what();
  }
  keyward::Millis d;
  (void)keyward::parse_duration(text.substr(0, 64), &d);
  return 0;
}
