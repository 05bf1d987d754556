#pragma once
// Cutting text to a byte bound without cutting a UTF-8 sequence in half:
// provider error texts in classifications, journal lines, alert subjects and
// MIME encoded-words are all bounded, and a half sequence at the end would be
// invalid UTF-8 (a replacement character, or a refused message) downstream.
#include <cstddef>
#include <string>
#include <string_view>

namespace keyward {

// The longest prefix of `text` of at most `max_bytes` bytes that does not end
// inside a UTF-8 sequence: a sequence that straddles the bound is left out
// whole. Bytes that are not UTF-8 are not judged (a run of stray continuation
// bytes at the bound may give an empty prefix).
std::string_view utf8_prefix(std::string_view text, size_t max_bytes);

// `text` when it fits in `max_bytes`, else utf8_prefix(text, max_bytes)
// followed by "..." (so at most max_bytes + 3 bytes).
std::string utf8_truncate(std::string_view text, size_t max_bytes);

}  // namespace keyward
