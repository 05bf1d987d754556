#include "router/core/shared_state.h"

#include <algorithm>

namespace keyward {

namespace {

int64_t ms(WallTime t) { return t.time_since_epoch().count(); }
WallTime at_ms(int64_t v) { return WallTime(Millis(v)); }

template <typename T>
bool raise(T& mine, const T& theirs) {
  if (!(mine < theirs)) return false;
  mine = theirs;
  return true;
}

nlohmann::json out_json(const OutFact& f) { return {ms(f.since), ms(f.until)}; }

bool out_from(const nlohmann::json& j, OutFact* f) {
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_integer() || !j[1].is_number_integer()) return false;
  f->since = at_ms(j[0].get<int64_t>());
  f->until = at_ms(j[1].get<int64_t>());
  return true;
}

}  // namespace

bool OutFact::merge(const OutFact& o) {
  bool a = raise(since, o.since);
  bool b = raise(until, o.until);
  return a || b;
}

bool SharedKeyState::merge(const SharedKeyState& o) {
  // The display fields follow the newest episode, decided before the merge.
  auto newest = [](const SharedKeyState& s) {
    return std::max({s.quarantined.since, s.exhausted.since, s.rate_limited.since});
  };
  bool theirs_newer = newest(o) > newest(*this);
  bool changed = quarantined.merge(o.quarantined);
  changed = exhausted.merge(o.exhausted) || changed;
  changed = rate_limited.merge(o.rate_limited) || changed;
  changed = raise(strikes, o.strikes) || changed;
  changed = raise(last_success, o.last_success) || changed;
  changed = raise(validated_at, o.validated_at) || changed;
  if (theirs_newer) {
    last_class = o.last_class;
    last_status = o.last_status;
    last_error = o.last_error;
  }
  return changed;
}

std::optional<std::pair<KeyState, WallTime>> SharedKeyState::out_at(WallTime now) const {
  std::optional<std::pair<KeyState, WallTime>> best;
  auto consider = [&](const OutFact& f, KeyState s) {
    if (f.until > now && f.since > last_success && (!best || f.until > best->second)) best = {s, f.until};
  };
  consider(quarantined, KeyState::quarantined);
  consider(exhausted, KeyState::exhausted);
  consider(rate_limited, KeyState::rate_limited);
  return best;
}

nlohmann::json SharedKeyState::to_json() const {
  return {{"q", out_json(quarantined)},
          {"x", out_json(exhausted)},
          {"r", out_json(rate_limited)},
          {"strikes", strikes},
          {"ok", ms(last_success)},
          {"validated", ms(validated_at)},
          {"class", to_string(last_class)},
          {"status", last_status},
          {"error", last_error}};
}

std::optional<SharedKeyState> SharedKeyState::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  SharedKeyState s;
  auto integer = [&](const char* k, int64_t* out) {
    auto it = j.find(k);
    if (it == j.end() || !it->is_number_integer()) return false;
    *out = it->get<int64_t>();
    return true;
  };
  int64_t strikes = 0, ok = 0, validated = 0, status = 0;
  if (!j.contains("q") || !out_from(j["q"], &s.quarantined) || !j.contains("x") || !out_from(j["x"], &s.exhausted) ||
      !j.contains("r") || !out_from(j["r"], &s.rate_limited) || !integer("strikes", &strikes) || !integer("ok", &ok) ||
      !integer("validated", &validated) || !integer("status", &status))
    return std::nullopt;
  if (strikes < 0 || strikes > 1'000'000) return std::nullopt;
  s.strikes = static_cast<int>(strikes);
  s.last_success = at_ms(ok);
  s.validated_at = at_ms(validated);
  s.last_status = static_cast<int>(status);
  if (auto c = j.find("class"); c != j.end() && c->is_string()) parse_error_class(c->get<std::string>(), &s.last_class);
  if (auto e = j.find("error"); e != j.end() && e->is_string()) s.last_error = e->get<std::string>().substr(0, 512);
  return s;
}

bool SharedProviderState::merge(const SharedProviderState& o) {
  bool changed = ejected.merge(o.ejected);
  return raise(ejections, o.ejections) || changed;
}

nlohmann::json SharedProviderState::to_json() const { return {{"e", out_json(ejected)}, {"ejections", ejections}}; }

std::optional<SharedProviderState> SharedProviderState::from_json(const nlohmann::json& j) {
  SharedProviderState s;
  if (!j.is_object() || !j.contains("e") || !out_from(j["e"], &s.ejected) || !j.contains("ejections") ||
      !j["ejections"].is_number_integer())
    return std::nullopt;
  s.ejections = j["ejections"].get<int>();
  return s;
}

}  // namespace keyward
