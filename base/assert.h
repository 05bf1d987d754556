#pragma once
// KEYWARD_ASSERT(cond): an internal invariant, one that only a bug can break —
// an index into the key pool, a state-machine transition, a bound the code
// itself keeps. Always on, also in Release builds: a broken invariant stops
// the process with file:line and the condition's text on stderr instead of
// reading past a vector or answering a request from corrupted state.
//
// Never for bad input (a request, a config or scenario file, a journal, a
// provider's answer): that is a result value or an error that names what is
// wrong, and the process goes on.

namespace keyward {

// Prints "file:line: KEYWARD_ASSERT(condition) failed" to stderr and aborts.
[[noreturn]] void assert_failed(const char* condition, const char* file, int line) noexcept;

}  // namespace keyward

#define KEYWARD_ASSERT(cond)                                           \
  (__builtin_expect(static_cast<bool>(cond), 1) ? static_cast<void>(0) \
                                                : ::keyward::assert_failed(#cond, __FILE__, __LINE__))
