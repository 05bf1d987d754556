#include "router/http/key_states.h"

#include "base/utc_time.h"

namespace keyward::http {

using nlohmann::json;

namespace {

json iso_or_null(std::optional<WallTime> t) { return t && *t != WallTime{} ? json(format_iso8601(*t)) : json(nullptr); }

}  // namespace

json key_state_json(const ProviderConfig& pc, const KeyConfig& kc, const KeyHealth& kh, bool uncertain, WallTime now) {
  bool out_of_service = kh.state != KeyState::healthy && now < kh.until;
  // A deadline that passed without a tick yet is already over.
  std::string health = out_of_service ? to_string(kh.state) : "healthy";
  std::optional<WallTime> since;
  if (kh.disabled)
    since = kh.disabled_since;
  else if (out_of_service || kh.state == KeyState::healthy)
    since = kh.since;
  json reason = nullptr;
  if (kh.last_failure) {
    reason = {{"class", to_string(kh.last_class)},
              {"signal", kh.last_signal ? kh.last_signal : ""},
              {"status", kh.last_status},
              {"message", kh.last_error}};
  }
  return json{{"provider", pc.name},
              {"id", kc.index},
              {"masked", kc.masked()},
              {"state", kh.disabled ? std::string("disabled") : health},
              {"health", health},
              {"disabled", kh.disabled},
              {"disabled_since", kh.disabled ? iso_or_null(kh.disabled_since) : json(nullptr)},
              {"reason", std::move(reason)},
              {"since", iso_or_null(since)},
              {"until", out_of_service ? iso_or_null(kh.until) : json(nullptr)},
              {"strikes", kh.strikes},
              {"last_success", iso_or_null(kh.last_success)},
              {"last_failure", iso_or_null(kh.last_failure)},
              {"calls", kh.attempts},
              {"failures", kh.failures},
              {"validated", kh.validated},
              {"uncertain", uncertain}};
}

json key_states_document(const ChatRouter::Snapshot& s) {
  json keys = json::array();
  for (size_t p = 0; p < s.config.providers.size() && p < s.keys.size(); ++p) {
    const auto& pc = s.config.providers[p];
    for (size_t i = 0; i < pc.keys.size() && i < s.keys[p].size(); ++i) {
      bool uncertain = p < s.uncertain.size() && i < s.uncertain[p].size() && s.uncertain[p][i];
      keys.push_back(key_state_json(pc, pc.keys[i], s.keys[p][i], uncertain, s.now));
    }
  }
  return json{{"now", format_iso8601(s.now)}, {"keys", std::move(keys)}};
}

std::optional<json> find_key_state(const ChatRouter::Snapshot& s, const std::string& provider, int id) {
  for (size_t p = 0; p < s.config.providers.size() && p < s.keys.size(); ++p) {
    const auto& pc = s.config.providers[p];
    if (pc.name != provider) continue;
    for (size_t i = 0; i < pc.keys.size() && i < s.keys[p].size(); ++i) {
      if (pc.keys[i].index != id) continue;
      bool uncertain = p < s.uncertain.size() && i < s.uncertain[p].size() && s.uncertain[p][i];
      return key_state_json(pc, pc.keys[i], s.keys[p][i], uncertain, s.now);
    }
  }
  return std::nullopt;
}

}  // namespace keyward::http
