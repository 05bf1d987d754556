#pragma once
// FNV-1a, 64 bit: the one hash for everything that needs a stable, seedable,
// non-cryptographic fingerprint — alert ids, per-component seeds, fake
// answers, key fingerprints. Stable across platforms and releases: alert ids
// in SQLite and scenario seeds depend on these exact values.
#include <cstdint>
#include <string_view>

namespace keyward {

inline constexpr uint64_t kFnv1aOffsetBasis = 0xcbf29ce484222325ULL;
inline constexpr uint64_t kFnv1aPrime = 0x100000001b3ULL;

// Hashes `data` starting from `basis`: pass a previous result to hash a
// concatenation piece by piece.
constexpr uint64_t fnv1a64(std::string_view data, uint64_t basis = kFnv1aOffsetBasis) {
  uint64_t h = basis;
  for (char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= kFnv1aPrime;
  }
  return h;
}

}  // namespace keyward
