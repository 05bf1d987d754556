#pragma once
#include <string>
#include <string_view>

namespace keyward {

// "sk-proj-EXPIRED-AAA" -> "sk-proj-...AAA". Enough to tell keys apart in a
// dashboard, never enough to use one. Short secrets keep less.
std::string mask_secret(std::string_view secret);

}  // namespace keyward
