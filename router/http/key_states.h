#pragma once
// The key-state document: one object per key, shared by GET /api/keys (admin)
// and the keys of /api/status (which the dashboard renders). Never the
// secret: keys appear masked (KeyConfig::masked()). The provider's message is
// untrusted text, passed as JSON data; HTML renderers escape it.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "router/core/chat_router.h"

namespace keyward::http {

// One key at `now`:
// {"provider","id","masked","state" (healthy|quarantined|exhausted|rate_limited|disabled),
//  "health" (the state without the manual disable),"disabled","disabled_since",
//  "reason":{"class","signal","status","message"} or null (never failed),
//  "since" (the shown state's start, null when never changed),"until" (null unless out),
//  "strikes","last_success","last_failure","calls","failures","validated","uncertain"}
nlohmann::json key_state_json(const ProviderConfig& provider, const KeyConfig& key, const KeyHealth& health,
                              bool uncertain, WallTime now);

// Every key of the snapshot, providers in priority order: {"now", "keys": [...]}.
nlohmann::json key_states_document(const ChatRouter::Snapshot& snapshot);

// The key `id` of `provider` in `snapshot`, or nullopt.
std::optional<nlohmann::json> find_key_state(const ChatRouter::Snapshot& snapshot, const std::string& provider, int id);

}  // namespace keyward::http
