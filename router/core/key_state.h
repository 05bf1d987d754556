#pragma once
// Why a key is out of rotation, if it is. A manual disable (KeyPool::disable)
// is kept beside this state, not in it: the health state goes on changing
// underneath (a quarantine still ends), and enabling the key again hands it
// back with whatever health it has then.
namespace keyward {

enum class KeyState { healthy, quarantined, exhausted, rate_limited };
const char* to_string(KeyState s);

}  // namespace keyward
