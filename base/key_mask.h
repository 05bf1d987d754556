#pragma once
// What a key (or any secret) may look like in output: logs, journals, alerts,
// /api/status, the dashboard, reports, the fakes' journals and control API.
// A raw key never appears anywhere else; this is the one rule.
#include <string>
#include <string_view>

namespace keyward {

// Enough to tell keys apart, never enough to use one:
//   16 characters or more: the first 8, "...", the last 3   sk-proj-EXPIRED-AAA -> sk-proj-...AAA
//   8 to 15 characters:    the first 2, "...", the last 2   msk-12345           -> ms...45
//   1 to 7 characters:     "***" (any part shown would be most of it)
//   empty:                 ""
// Bytes outside printable ASCII show as '?', so a mask is always valid JSON text.
std::string mask_key(std::string_view key);

// A short stable fingerprint of a key ("3fa2b1c4", the top 32 bits of its
// FNV-1a): two keys can share a mask (same prefix and suffix), practically
// never a fingerprint, and 32 bits of a hash give nothing away about the key.
std::string key_fingerprint(std::string_view key);

}  // namespace keyward
