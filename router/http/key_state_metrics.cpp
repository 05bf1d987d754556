#include "router/http/key_state_metrics.h"

#include <map>

namespace keyward::http {

namespace {

// Provider names come from keyward.yaml: escaped as Prometheus label values.
std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string key_state_prometheus(const ChatRouter::Snapshot& snap) {
  std::string keys = "# HELP keyward_keys Keys per provider and state, now\n# TYPE keyward_keys gauge\n";
  std::string available =
      "# HELP keyward_provider_keys_available Keys of a provider in rotation now (0: every key is out)\n"
      "# TYPE keyward_provider_keys_available gauge\n";
  std::string disabled =
      "# HELP keyward_keys_disabled Keys of a provider taken out of rotation by hand (POST /admin/keys/.../disable)\n"
      "# TYPE keyward_keys_disabled gauge\n";
  std::string ejected =
      "# HELP keyward_provider_ejected 1 while the provider is ejected after consecutive outage or network "
      "failures\n# TYPE keyward_provider_ejected gauge\n";
  for (size_t p = 0; p < snap.config.providers.size() && p < snap.keys.size(); ++p) {
    const ProviderConfig& pc = snap.config.providers[p];
    if (!pc.enabled || snap.keys[p].empty()) continue;
    const std::string label = "provider=\"" + escape_label(pc.name) + "\"";
    std::map<std::string, int> by_state;
    for (KeyState s : {KeyState::healthy, KeyState::quarantined, KeyState::exhausted, KeyState::rate_limited})
      by_state[to_string(s)] = 0;
    int in_rotation = 0, off_by_hand = 0;
    for (const KeyHealth& k : snap.keys[p]) {
      ++by_state[to_string(k.state)];  // a disabled key keeps its health state beside the flag
      off_by_hand += k.disabled ? 1 : 0;
      if (!k.disabled && (k.state == KeyState::healthy || k.until <= snap.now)) ++in_rotation;
    }
    for (const auto& [state, n] : by_state)
      keys += "keyward_keys{" + label + ",state=\"" + state + "\"} " + std::to_string(n) + "\n";
    available += "keyward_provider_keys_available{" + label + "} " + std::to_string(in_rotation) + "\n";
    disabled += "keyward_keys_disabled{" + label + "} " + std::to_string(off_by_hand) + "\n";
    bool out = p < snap.providers.size() && snap.providers[p].ejected && snap.providers[p].ejected_until > snap.now;
    ejected += "keyward_provider_ejected{" + label + "} " + std::string(out ? "1" : "0") + "\n";
  }
  return keys + available + disabled + ejected;
}

}  // namespace keyward::http
