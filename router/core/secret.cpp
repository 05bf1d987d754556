#include "router/core/secret.h"

namespace keyward {

std::string mask_secret(std::string_view s) {
  if (s.empty()) return "";
  if (s.size() >= 16) return std::string(s.substr(0, 8)) + "..." + std::string(s.substr(s.size() - 3));
  if (s.size() >= 8) return std::string(s.substr(0, 2)) + "..." + std::string(s.substr(s.size() - 2));
  return "***";
}

}  // namespace keyward
