#include "base/key_mask.h"

#include <cstdio>

#include "base/escape.h"
#include "base/fnv1a.h"

namespace keyward {

std::string mask_key(std::string_view key) {
  if (key.empty()) return "";
  if (key.size() >= 16) return printable_ascii(key.substr(0, 8)) + "..." + printable_ascii(key.substr(key.size() - 3));
  if (key.size() >= 8) return printable_ascii(key.substr(0, 2)) + "..." + printable_ascii(key.substr(key.size() - 2));
  return "***";
}

std::string key_fingerprint(std::string_view key) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(fnv1a64(key) >> 32));
  return buf;
}

}  // namespace keyward
