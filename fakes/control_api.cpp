#include "fakes/control_api.h"

#include <string>

#include <nlohmann/json.hpp>

#include "base/escape.h"
#include "base/key_mask.h"
#include "base/utc_time.h"
#include "fakes/provider.h"

namespace keyward::fakes {

namespace {

// The one table of control-API errors and their statuses.
enum class ControlError {
  bad_json,
  bad_field,
  not_found,
  clock_not_adjustable,
  limit_reached,
  unknown_route
};

struct ControlErrorInfo {
  ControlError error;
  int status;
  const char* code;
};
constexpr ControlErrorInfo kErrors[] = {
    {ControlError::bad_json, 400, "bad_json"},
    {ControlError::bad_field, 400, "bad_field"},
    {ControlError::not_found, 404, "not_found"},
    {ControlError::clock_not_adjustable, 409, "clock_not_adjustable"},
    {ControlError::limit_reached, 409, "limit_reached"},
    {ControlError::unknown_route, 404, "unknown_route"},
};

void reply(httplib::Response& res, int status, const nlohmann::json& j) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

void fail(httplib::Response& res, ControlError e, const std::string& message) {
  for (const auto& info : kErrors) {
    if (info.error == e) {
      reply(res, info.status, {{"error", {{"code", info.code}, {"message", message}}}});
      return;
    }
  }
}

// Parses a JSON object body; answers 400 itself and returns false otherwise.
bool body_object(const httplib::Request& req, httplib::Response& res, nlohmann::json& out) {
  out = nlohmann::json::parse(req.body, nullptr, false);
  if (out.is_discarded()) {
    fail(res, ControlError::bad_json, "the body is not valid JSON");
    return false;
  }
  if (!out.is_object()) {
    fail(res, ControlError::bad_json, "the body must be a JSON object");
    return false;
  }
  return true;
}

bool string_field(const nlohmann::json& j, const char* name, httplib::Response& res,
                  std::string& out) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string() || it->get<std::string>().empty()) {
    fail(res, ControlError::bad_field, std::string("'") + name + "' must be a non-empty string");
    return false;
  }
  out = it->get<std::string>();
  return true;
}

bool state_field(const nlohmann::json& j, httplib::Response& res, KeyState& out) {
  std::string name;
  if (!string_field(j, "state", res, name)) return false;
  auto s = key_state_from_string(name);
  if (!s) {
    fail(res, ControlError::bad_field,
         "unknown key state '" + name + "' (expected " + key_state_names() + ")");
    return false;
  }
  out = *s;
  return true;
}

bool parse_u64(const std::string& text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

nlohmann::json clock_json(const FakeProvider& p) {
  auto now = p.now();
  return {{"now", format_iso8601_ms(now)},
          {"now_ms", now.time_since_epoch().count()},
          {"adjustable", p.clock_adjustable()}};
}

void handle_get(FakeProvider& p, const std::string& what, const httplib::Request& req,
                httplib::Response& res) {
  if (what == "state") return reply(res, 200, p.state_json());
  if (what == "faults") return reply(res, 200, {{"faults", p.state_json()["faults"]}});
  if (what == "clock") return reply(res, 200, clock_json(p));
  if (what == "counters") return reply(res, 200, p.counters().to_json());
  if (what == "journal") {
    std::uint64_t after = 0, limit = 1000;
    if (req.has_param("after") && !parse_u64(req.get_param_value("after"), after)) {
      return fail(res, ControlError::bad_field, "'after' must be a non-negative integer");
    }
    if (req.has_param("limit") && !parse_u64(req.get_param_value("limit"), limit)) {
      return fail(res, ControlError::bad_field, "'limit' must be a non-negative integer");
    }
    auto entries = p.journal(after, static_cast<std::size_t>(limit));
    nlohmann::json arr = nlohmann::json::array();
    std::uint64_t last = after;
    for (const auto& e : entries) {
      arr.push_back(e.to_json());
      last = e.seq;
    }
    return reply(res, 200, {{"entries", arr}, {"last_seq", last}});
  }
  fail(res, ControlError::unknown_route, "no control route GET /_fake/" + printable_ascii(what));
}

void handle_post(FakeProvider& p, const std::string& what, const httplib::Request& req,
                 httplib::Response& res) {
  if (what == "reset") {
    p.reset();
    return reply(res, 200, {{"ok", true}});
  }
  nlohmann::json j;
  if (what == "keys") {
    if (!body_object(req, res, j)) return;
    std::string key;
    KeyState state;
    if (!string_field(j, "key", res, key) || !state_field(j, res, state)) return;
    int variant = -1;
    if (j.contains("variant")) {
      if (!j["variant"].is_number_integer() || j["variant"].get<int>() < 0 ||
          j["variant"].get<int>() > 1) {
        return fail(res, ControlError::bad_field, "'variant' must be 0 or 1");
      }
      variant = j["variant"].get<int>();
    }
    if (!p.set_key_state(key, state, variant)) {
      return fail(res, ControlError::limit_reached, "too many keys listed");
    }
    return reply(res, 200, {{"ok", true}, {"key", mask_key(key)}, {"state", to_string(state)}});
  }
  if (what == "default_key_state") {
    if (!body_object(req, res, j)) return;
    KeyState state;
    if (!state_field(j, res, state)) return;
    p.set_default_key_state(state);
    return reply(res, 200, {{"ok", true}, {"state", to_string(state)}});
  }
  if (what == "error_variant") {
    if (!body_object(req, res, j)) return;
    auto v = j.find("variant");
    if (v == j.end() || !v->is_number_integer() || v->get<int>() < 0 || v->get<int>() > 1) {
      return fail(res, ControlError::bad_field, "'variant' must be 0 or 1");
    }
    p.set_error_variant(v->get<int>());
    return reply(res, 200, {{"ok", true}, {"variant", v->get<int>()}});
  }
  if (what == "faults") {
    if (!body_object(req, res, j)) return;
    try {
      // Exceptions stay inside this parse of control input; the request path
      // of the fake itself never throws.
      int id = p.add_fault(parse_fault(j));
      if (id == 0) return fail(res, ControlError::limit_reached, "too many faults installed");
      return reply(res, 201, {{"ok", true}, {"id", id}});
    } catch (const FaultSpecError& e) {
      return fail(res, ControlError::bad_field, e.what());
    }
  }
  if (what == "clock") {
    if (!body_object(req, res, j)) return;
    if (!p.clock_adjustable()) {
      return fail(res, ControlError::clock_not_adjustable,
                  "this fake does not own its clock (the scenario runner moves it)");
    }
    if (j.contains("advance_ms")) {
      if (!j["advance_ms"].is_number_integer()) {
        return fail(res, ControlError::bad_field, "'advance_ms' must be an integer");
      }
      p.advance_clock(std::chrono::milliseconds(j["advance_ms"].get<std::int64_t>()));
    } else if (j.contains("set")) {
      WallTime t;
      if (!j["set"].is_string() || !parse_iso8601(j["set"].get<std::string>(), &t)) {
        return fail(res, ControlError::bad_field,
                    "'set' must be an ISO-8601 UTC time like 2025-11-18T08:00:00Z");
      }
      p.set_clock(t);
    } else if (j.contains("set_ms")) {
      if (!j["set_ms"].is_number_integer()) {
        return fail(res, ControlError::bad_field, "'set_ms' must be an integer");
      }
      p.set_clock(WallTime(std::chrono::milliseconds(j["set_ms"].get<std::int64_t>())));
    } else {
      return fail(res, ControlError::bad_field, "expected 'advance_ms', 'set' or 'set_ms'");
    }
    return reply(res, 200, clock_json(p));
  }
  fail(res, ControlError::unknown_route, "no control route POST /_fake/" + printable_ascii(what));
}

void handle_delete(FakeProvider& p, const std::string& what, const httplib::Request& req,
                   httplib::Response& res) {
  if (what == "faults") {
    p.clear_faults();
    return reply(res, 200, {{"ok", true}});
  }
  if (what.rfind("faults/", 0) == 0) {
    std::uint64_t id = 0;
    if (!parse_u64(what.substr(7), id) || id > 1'000'000'000) {
      return fail(res, ControlError::bad_field, "fault id must be a number");
    }
    if (!p.remove_fault(static_cast<int>(id))) {
      return fail(res, ControlError::not_found, "no fault with id " + std::to_string(id));
    }
    return reply(res, 200, {{"ok", true}});
  }
  if (what == "keys") {
    nlohmann::json j;
    std::string key;
    if (!body_object(req, res, j) || !string_field(j, "key", res, key)) return;
    p.remove_key(key);
    return reply(res, 200, {{"ok", true}});
  }
  fail(res, ControlError::unknown_route, "no control route DELETE /_fake/" + printable_ascii(what));
}

}  // namespace

void install_control_api(httplib::Server& svr, FakeProvider& provider) {
  FakeProvider* p = &provider;
  svr.Get("/_fake/(.*)", [p](const httplib::Request& req, httplib::Response& res) {
    handle_get(*p, req.matches[1], req, res);
  });
  svr.Post("/_fake/(.*)", [p](const httplib::Request& req, httplib::Response& res) {
    handle_post(*p, req.matches[1], req, res);
  });
  svr.Delete("/_fake/(.*)", [p](const httplib::Request& req, httplib::Response& res) {
    handle_delete(*p, req.matches[1], req, res);
  });
}

}  // namespace keyward::fakes
