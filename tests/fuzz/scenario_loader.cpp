// Scenario loader: any bytes load or throw SchemaError (file:line: path: message).
#include <string>

#include "base/yaml_reader.h"
#include "scenarios/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto s = keyward::scenarios::parse_scenario(text, "fuzz.yaml");
    (void)s.timeline.size();
  } catch (const keyward::SchemaError& e) {
    (void)e.what();
  }
  return 0;
}
