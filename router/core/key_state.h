#pragma once
// Why a key is out of rotation, if it is.
namespace keyward {

enum class KeyState { healthy, quarantined, exhausted, rate_limited };
const char* to_string(KeyState s);

}  // namespace keyward
