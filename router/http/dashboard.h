#pragma once
// GET /dashboard: one self-contained HTML page (no external assets). It is
// rendered on the server from the /api/status document, so it works without
// JavaScript, and then refreshes itself by fetching /api/status every few
// seconds. In an emergency it shows the founding scenario's critical panel
// with the actions Check Provider Dashboards, View Logs (GET /api/journal),
// Test Connection (POST /admin/keys/test) and Update Keys (POST /admin/reload);
// admin actions ask for the admin token once per browser session and send it
// as a Bearer header. Every value from `status` is HTML-escaped.
#include <string>

#include <nlohmann/json.hpp>

namespace keyward {

// `status`: the /api/status document:
// {"now","ready","providers":[{"name","display_name","model","dashboard_url","ejected",
//   "ejected_until","last_error","diagnosis","keys":[{"id","masked","state","until",
//   "last_error","last_class","validated","expires", and the key-state fields of
//   key_states.h: "disabled","reason","since","strikes","last_success","last_failure",
//   "calls","failures"}]}],
//  "incident":{"state":"open"|"none",...},"channels":{"email","telegram","webhook"},
//  "traffic":{"end","provider":[60 counts],"cache":[...],"emergency":[...]}}
// The per-key table has a Disable / Enable button per key (admin token), and
// the traffic becomes an inline SVG chart of the last hour (no external script).
// Missing or mistyped fields render as empty; the function never throws.
std::string render_dashboard_html(const nlohmann::json& status);

}  // namespace keyward
