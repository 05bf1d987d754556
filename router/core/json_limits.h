#pragma once
// nlohmann::json parses iteratively, but copying or dumping a value recurses
// once per nesting level: 100k nested arrays from a client or a provider would
// overflow the stack later, far from the parser. Untrusted JSON is checked
// with this before it is parsed.
#include <cstddef>
#include <string_view>

namespace keyward {

// Deep enough for every request and provider answer we know (they nest < 10).
inline constexpr size_t kMaxJsonDepth = 64;

// True when `text` opens more than `max_depth` arrays/objects at once (brackets
// inside strings do not count). Linear, no allocation; says nothing else about
// validity.
bool json_nesting_exceeds(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace keyward
