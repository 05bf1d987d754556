#include "fakes/key_state.h"

#include <array>
#include <utility>

namespace keyward::fakes {
namespace {
constexpr std::array<std::pair<ProviderKind, const char*>, 4> kKinds{{
    {ProviderKind::groq, "groq"},
    {ProviderKind::gemini, "gemini"},
    {ProviderKind::mistral, "mistral"},
    {ProviderKind::openai, "openai"},
}};
constexpr std::array<std::pair<KeyState, const char*>, 8> kStates{{
    {KeyState::valid, "valid"},
    {KeyState::invalid, "invalid"},
    {KeyState::expired, "expired"},
    {KeyState::revoked, "revoked"},
    {KeyState::suspended, "suspended"},
    {KeyState::leaked, "leaked"},
    {KeyState::quota_exhausted, "quota_exhausted"},
    {KeyState::rate_limited, "rate_limited"},
}};
}  // namespace

const char* to_string(ProviderKind kind) {
  for (auto& [k, n] : kKinds)
    if (k == kind) return n;
  return "?";
}
const char* to_string(KeyState state) {
  for (auto& [s, n] : kStates)
    if (s == state) return n;
  return "?";
}
std::optional<ProviderKind> provider_kind_from_string(std::string_view name) {
  for (auto& [k, n] : kKinds)
    if (name == n) return k;
  return std::nullopt;
}
std::optional<KeyState> key_state_from_string(std::string_view name) {
  for (auto& [s, n] : kStates)
    if (name == n) return s;
  return std::nullopt;
}
const char* key_state_names() {
  return "valid|invalid|expired|revoked|suspended|leaked|quota_exhausted|rate_limited";
}
const char* provider_kind_names() { return "groq|gemini|mistral|openai"; }

}  // namespace keyward::fakes
