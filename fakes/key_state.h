#pragma once
// The vocabulary of a fake provider: which provider it imitates and what a
// key's state is. Each state is answered with that provider's own status,
// body and headers (see providers/*.cpp and PROVIDER_WIRE_FORMATS.md).
#include <optional>
#include <string>
#include <string_view>

namespace keyward::fakes {

enum class ProviderKind { groq, gemini, mistral, openai };

enum class KeyState {
  valid,            // answers normally
  invalid,          // never existed / wrong key
  expired,          // Gemini: "API key expired"; others answer as invalid
  revoked,          // deleted by the owner; answered as invalid
  suspended,        // account/consumer suspended (Gemini 403, OpenAI account_deactivated)
  leaked,           // reported as leaked (Gemini 403); others answer as invalid
  quota_exhausted,  // per-day/billing quota used up: the provider's "until reset" 429
  rate_limited,     // short per-minute rate limit: the provider's transient 429
};

const char* to_string(ProviderKind kind);
const char* to_string(KeyState state);
std::optional<ProviderKind> provider_kind_from_string(std::string_view name);
std::optional<KeyState> key_state_from_string(std::string_view name);
// "valid|invalid|..." for error messages.
const char* key_state_names();
const char* provider_kind_names();

// States that fail authentication (also on GET /models).
inline bool is_auth_failure(KeyState s) {
  return s != KeyState::valid && s != KeyState::quota_exhausted && s != KeyState::rate_limited;
}

}  // namespace keyward::fakes
