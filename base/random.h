#pragma once
// The seeded random generator: the only source of randomness of the router,
// the fakes and the scenario runner (never std::random_device, rand() or a
// std distribution, whose output differs between standard libraries). A seed
// fully determines every draw, so a scenario's seed replays its fault dice and
// fake answers exactly.
#include <cstdint>
#include <string_view>

namespace keyward {

// One splitmix64 step: advances `state` and returns the next output. Seeds
// Random and turns one seed into several (derive(), per-fault seeds).
uint64_t splitmix64(uint64_t& state);

// xoshiro256** (Blackman and Vigna), its state filled by splitmix64 from the
// seed. Not thread-safe: each component owns one, seeded with derive().
class Random {
 public:
  explicit Random(uint64_t seed = 0);

  uint64_t next_u64();
  // Uniform in [0, 1) with 53 bits of precision, identical on every platform.
  double uniform();
  // Uniform in [0, n); n == 0 gives 0 without drawing. The modulo bias is
  // irrelevant for the ranges used (jitter, picks among a few items).
  uint64_t below(uint64_t n);

  // The seed of the component named `component`, derived from `seed`:
  // splitmix64 of (seed XOR FNV-1a(component)). Each component gets its own
  // stream, so adding one does not shift the others'. Scenario files rely on
  // these exact values: never change the formula.
  static uint64_t derive(uint64_t seed, std::string_view component);

 private:
  uint64_t s_[4];
};

}  // namespace keyward
