#include "fakes/faults/fault.h"

#include <cmath>

#include "base/assert.h"
#include "base/key_mask.h"

namespace keyward::fakes {

FaultParams::FaultParams(const nlohmann::json& j) : j_(j) {
  if (!j_.is_object()) throw FaultSpecError("", "a fault must be an object");
}

bool FaultParams::has(const char* name) const { return j_.contains(name); }

std::uint64_t FaultParams::u64(const char* name, std::uint64_t def, std::uint64_t max) {
  used_.insert(name);
  auto it = j_.find(name);
  if (it == j_.end() || it->is_null()) return def;
  if (it->is_number_unsigned() || (it->is_number_integer() && it->get<std::int64_t>() >= 0)) {
    auto v = it->get<std::uint64_t>();
    if (v > max) throw FaultSpecError(name, "must be at most " + std::to_string(max));
    return v;
  }
  throw FaultSpecError(name, "expected a non-negative integer");
}

double FaultParams::number(const char* name, double def, double min, double max) {
  used_.insert(name);
  auto it = j_.find(name);
  if (it == j_.end() || it->is_null()) return def;
  if (!it->is_number()) throw FaultSpecError(name, "expected a number");
  double v = it->get<double>();
  if (!std::isfinite(v) || v < min || v > max) {
    throw FaultSpecError(name, "must be between " + nlohmann::json(min).dump() + " and " +
                                   nlohmann::json(max).dump());
  }
  return v;
}

std::string FaultParams::string(const char* name, const std::string& def) {
  used_.insert(name);
  auto it = j_.find(name);
  if (it == j_.end() || it->is_null()) return def;
  if (!it->is_string()) throw FaultSpecError(name, "expected a string");
  return it->get<std::string>();
}

std::optional<std::vector<std::pair<std::string, std::string>>> FaultParams::headers(const char* name) {
  used_.insert(name);
  auto it = j_.find(name);
  if (it == j_.end()) return std::nullopt;
  if (!it->is_object()) throw FaultSpecError(name, "expected a map of header names to values ({} for none)");
  if (it->size() > 32) throw FaultSpecError(name, "at most 32 headers");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto h = it->begin(); h != it->end(); ++h) {
    const std::string& header = h.key();
    bool token = !header.empty() && header.size() <= 100 &&
                 header.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") ==
                     std::string::npos;
    if (!token) throw FaultSpecError(name, "'" + header + "' is not a header name");
    std::string value = h->is_string() ? h->get<std::string>() : h->is_number() ? h->dump() : "";
    if (!h->is_string() && !h->is_number()) throw FaultSpecError(name, "header '" + header + "': expected a string");
    if (value.find_first_of("\r\n") != std::string::npos || value.size() > 1000)
      throw FaultSpecError(name, "header '" + header + "': one line of at most 1000 characters");
    out.emplace_back(header, value);
  }
  return out;
}

void FaultParams::reject_unknown() const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (!used_.count(it.key())) throw FaultSpecError(it.key(), "unknown field '" + it.key() + "'");
  }
}

const std::vector<FaultKind>& fault_kinds() {
  // An explicit table rather than static self-registration: objects of a
  // static library that nothing references would be dropped by the linker.
  static const std::vector<FaultKind> kinds{
      {"latency", make_latency_fault},
      {"hang", make_hang_fault},
      {"status", make_status_fault},
      {"connection_reset", make_connection_reset_fault},
      {"empty_response", make_empty_response_fault},
      {"malformed_json", make_malformed_json_fault},
      {"truncated_body", make_truncated_body_fault},
      {"stream_stall", make_stream_stall_fault},
      {"stream_cut", make_stream_cut_fault},
  };
  return kinds;
}

FaultSpec parse_fault(const nlohmann::json& j) {
  FaultParams p(j);
  std::string kind = p.string("kind", "");
  if (kind.empty()) throw FaultSpecError("kind", "missing fault kind");
  const FaultKind* found = nullptr;
  for (const auto& k : fault_kinds())
    if (kind == k.name) found = &k;
  if (!found) {
    std::string names;
    for (const auto& k : fault_kinds()) {
      if (!names.empty()) names += '|';
      names += k.name;
    }
    throw FaultSpecError("kind", "unknown fault kind '" + kind + "' (expected " + names + ")");
  }
  FaultSpec spec;
  spec.scope.key = p.string("key", "");
  spec.scope.path = p.string("path", "");
  spec.scope.first = p.u64("first", 0);
  spec.scope.every = p.u64("every", 0);
  spec.scope.after = p.u64("after", 0);
  spec.scope.probability = p.number("probability", 1.0, 0.0, 1.0);
  spec.fault = found->make(p);
  p.reject_unknown();
  return spec;
}

nlohmann::json FaultSpec::to_json() const {
  nlohmann::json j = fault->params();
  j["kind"] = fault->kind();
  if (!scope.key.empty()) j["key"] = mask_key(scope.key);
  if (!scope.path.empty()) j["path"] = scope.path;
  if (scope.first) j["first"] = scope.first;
  if (scope.every) j["every"] = scope.every;
  if (scope.after) j["after"] = scope.after;
  j["probability"] = scope.probability;
  return j;
}

bool FaultGate::admit(const FaultSpec& spec, const std::string& key, const std::string& path,
                      bool streaming) {
  const FaultScope& s = spec.scope;
  if (spec.fault->streaming_only() && !streaming) return false;
  if (!s.key.empty() && s.key != key) return false;
  if (!s.path.empty() && path.find(s.path) == std::string::npos) return false;
  ++matched_;
  if (matched_ <= s.after) return false;
  if (s.every && (matched_ - s.after) % s.every != 0) return false;
  if (s.first && candidates_ >= s.first) return false;
  ++candidates_;
  KEYWARD_ASSERT(!s.first || candidates_ <= s.first);
  // Draw only for candidates (and always for them, even at 1.0), so a given
  // seed and request order always give the same decisions.
  bool fire = rng_.uniform() < s.probability;
  if (fire) ++fired_;
  return fire;
}

}  // namespace keyward::fakes
