#include "router/http/dashboard.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/escape.h"

namespace keyward {

namespace {

using nlohmann::json;

// Field as text: strings as-is, numbers/bools printed, null/missing empty.
std::string field(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "true" : "false";
  if (it->is_number()) return it->dump();
  return "";
}

bool flag(const json& j, const char* key) {
  if (!j.is_object()) return false;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

const json& array_of(const json& j, const char* key) {
  static const json empty = json::array();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

const json& object_of(const json& j, const char* key) {
  static const json empty = json::object();
  if (!j.is_object()) return empty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : empty;
}

// Only http(s) links become hrefs: a javascript: URL in a config must not run.
std::string safe_href(const std::string& url) {
  if (url.rfind("https://", 0) == 0 || url.rfind("http://", 0) == 0) return html_escape(url);
  return "#";
}

// The possible causes, from the classifier's verdict (the incident's cause).
std::vector<std::string> causes_for(const std::string& cause) {
  if (cause == "all_quota_exhausted")
    return {"Every key has used its daily quota (429 quota exceeded); it resets by itself, usually at midnight UTC",
            "Add keys with free quota, or raise the limits, to recover sooner"};
  if (cause == "all_providers_unavailable")
    return {"Provider service outage", "Network problem between this host and the providers (DNS, proxy, firewall)",
            "Rate limits on every key"};
  return {"Expired API keys", "Revoked keys (regenerated at the provider)", "Account suspended (e.g. a payment issue)",
          "Provider service outage", "Configuration error in .env (e.g. after a deployment)"};
}

std::string state_class(const std::string& state) {
  if (state == "healthy") return "ok";
  if (state == "quarantined") return "bad";
  if (state == "disabled") return "muted";
  return "warn";
}

// Why the key last failed: the provider's message (escaped: untrusted), then
// the classifier's class and signal. Older documents carry only last_error
// and last_class.
std::string reason_html(const json& k) {
  const json& r = object_of(k, "reason");
  std::string message = r.empty() ? field(k, "last_error") : field(r, "message");
  std::string cls = r.empty() ? field(k, "last_class") : field(r, "class");
  std::string signal = field(r, "signal");
  std::string h = html_escape(message);
  if (!cls.empty() && cls != "ok")
    h += " <small>(" + html_escape(cls) + (signal.empty() ? "" : " &middot; " + html_escape(signal)) + ")</small>";
  return h;
}

// The last hour's requests per minute by outcome as an inline SVG: one
// stacked bar per minute (provider, cache, emergency from the bottom), a
// <title> per minute with its counts. `traffic` is /api/status's "traffic".
constexpr int kChartWidth = 600, kChartHeight = 120, kBarWidth = 10;

uint64_t count_at(const json& traffic, const char* series, size_t i) {
  const json& a = array_of(traffic, series);
  return i < a.size() && a[i].is_number_unsigned() ? a[i].get<uint64_t>() : 0;
}

std::string traffic_svg(const json& traffic) {
  size_t n = array_of(traffic, "provider").size();
  uint64_t peak = 1, provider = 0, cache = 0, emergency = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t p = count_at(traffic, "provider", i), c = count_at(traffic, "cache", i),
             e = count_at(traffic, "emergency", i);
    provider += p, cache += c, emergency += e;
    peak = std::max(peak, p + c + e);
  }
  auto num = [](uint64_t v) { return std::to_string(v); };
  std::string h = "<section id=\"traffic\"><h2>Last hour</h2><p class=\"meta\">Requests per minute by outcome, up to " +
                  html_escape(field(traffic, "end")) + ": <span class=\"ok\">" + num(provider) +
                  " provider</span>, <span class=\"warn\">" + num(cache) + " cache</span>, <span class=\"bad\">" +
                  num(emergency) + " emergency</span> (peak " + num(peak) + "/min)</p>\n";
  h += "<svg id=\"traffic-chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kChartWidth) +
       "\" height=\"" + std::to_string(kChartHeight) + "\" viewBox=\"0 0 " + std::to_string(kChartWidth) + " " +
       std::to_string(kChartHeight) +
       "\" role=\"img\" aria-label=\"requests per minute by outcome\">"
       "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>";
  const char* colours[3] = {"#17803d", "#a05a00", "#c01919"};
  for (size_t i = 0; i < n; ++i) {
    uint64_t counts[3] = {count_at(traffic, "provider", i), count_at(traffic, "cache", i),
                          count_at(traffic, "emergency", i)};
    std::string ago = std::to_string(n - 1 - i);
    h += "<g class=\"minute\" data-ago=\"" + ago + "\" data-provider=\"" + num(counts[0]) + "\" data-cache=\"" +
         num(counts[1]) + "\" data-emergency=\"" + num(counts[2]) + "\"><title>" + ago + " min ago: " + num(counts[0]) +
         " provider, " + num(counts[1]) + " cache, " + num(counts[2]) + " emergency</title>";
    int x = static_cast<int>(i) * kBarWidth, y = kChartHeight;
    for (int s = 0; s < 3; ++s) {
      if (counts[s] == 0) continue;
      int height = std::max(1, static_cast<int>(counts[s] * kChartHeight / peak));
      y -= height;
      h += "<rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
           std::to_string(kBarWidth - 1) + "\" height=\"" + std::to_string(height) + "\" fill=\"" + colours[s] + "\"/>";
    }
    h += "</g>";
  }
  h += "</svg></section>\n";
  return h;
}

// Server-side render of everything inside <div id="app">. The inline script
// below mirrors it (same ids and classes) for the periodic refresh.
std::string render_app(const json& s) {
  std::string h;
  const json& inc = object_of(s, "incident");
  bool open = field(inc, "state") == "open";
  const json& providers = array_of(s, "providers");
  const json& channels = object_of(s, "channels");

  h += "<p class=\"meta\">Updated <span id=\"now\">" + html_escape(field(s, "now")) + "</span> &middot; ";
  h += flag(s, "ready") ? "<span class=\"ok\">ready</span>" : "<span class=\"bad\">not ready</span>";
  h += " &middot; alerts:";
  for (const char* c : {"email", "telegram", "webhook"})
    h += std::string(" ") + c + (flag(channels, c) ? " <span class=\"ok\">on</span>" : " <span class=\"muted\">off</span>");
  // Alerts kept only in memory, or a journal losing lines: the operator must see it.
  const json& store = object_of(s, "store");
  if (field(store, "state") == "degraded")
    h += " &middot; <span id=\"store-state\" class=\"bad\">store: degraded</span> (" + html_escape(field(store, "reason")) +
         "; " + html_escape(field(store, "spilled_alerts")) + " alerts in memory only)";
  // Cluster mode: a replica that lost Redis serves alone; alerts may repeat.
  const json& cluster = object_of(s, "cluster");
  if (field(cluster, "state") == "degraded")
    h += " &middot; <span id=\"cluster-state\" class=\"bad\">cluster: degraded</span> (" +
         html_escape(field(cluster, "degraded_reason")) + "; replica " + html_escape(field(cluster, "replica_id")) +
         " serves on its own state)";
  const json& journal = object_of(s, "journal");
  if (field(journal, "state") == "degraded")
    h += " &middot; <span id=\"journal-state\" class=\"bad\">journal: degraded</span> (" +
         html_escape(field(journal, "last_error")) + "; " + html_escape(field(journal, "dropped_lines")) +
         " lines dropped)";
  h += "</p>\n";

  if (open) {
    h += "<section id=\"emergency\" class=\"critical\">\n";
    h += "<h2><span class=\"badge\">!</span> EMERGENCY: All AI Keys Failed</h2>\n";
    h += "<p>Since <b>" + html_escape(field(inc, "opened_at")) + "</b> &middot; incident " + html_escape(field(inc, "id")) +
         " &middot; cause <code>" + html_escape(field(inc, "cause")) + "</code></p>\n";
    if (!field(inc, "diagnosis").empty()) h += "<p class=\"diagnosis\">" + html_escape(field(inc, "diagnosis")) + "</p>\n";
    h += "<h3>Status by provider</h3>\n<ul id=\"emergency-providers\">\n";
    const json& ip = array_of(inc, "providers");
    for (const auto& p : ip) {
      std::string total = field(p, "keys_total");
      h += "<li><b>" + html_escape(field(p, "display_name")) + "</b>: " + html_escape(field(p, "keys_failed")) + "/" + html_escape(total) +
           (total == "1" ? " key" : " keys") + " failed";
      if (!field(p, "last_error").empty()) h += " &mdash; <q>" + html_escape(field(p, "last_error")) + "</q>";
      if (!field(p, "diagnosis").empty()) h += "<br><small>" + html_escape(field(p, "diagnosis")) + "</small>";
      h += "</li>\n";
    }
    h += "</ul>\n<h3>Possible causes</h3>\n<ol>\n";
    for (const auto& c : causes_for(field(inc, "cause"))) h += "<li>" + html_escape(c) + "</li>\n";
    h += "</ol>\n<h3>Impact</h3>\n<p>Platform AI is completely unavailable: users get a cached answer where one "
         "exists, otherwise the emergency answer (HTTP 503, retryable).</p>\n";
    h += "<h3>Actions</h3>\n<div class=\"actions\">"
         "<button data-action=\"dashboards\">Check Provider Dashboards</button> "
         "<button data-action=\"logs\">View Logs</button> "
         "<button data-action=\"test\">Test Connection</button> "
         "<button data-action=\"reload\">Update Keys</button></div>\n";
    h += "<ul id=\"dashboard-links\" class=\"links\">\n";
    for (const auto& p : providers)
      h += "<li><a target=\"_blank\" rel=\"noopener\" href=\"" + safe_href(field(p, "dashboard_url")) + "\">" +
           html_escape(field(p, "display_name")) + " dashboard</a> <small>" + html_escape(field(p, "dashboard_url")) + "</small></li>\n";
    h += "</ul>\n</section>\n";
  }

  h += "<h2>Providers and keys</h2>\n<table id=\"providers\">\n<thead><tr><th>Provider</th><th>Key</th><th>State</th>"
       "<th>Since</th><th>Until</th><th>Reason</th><th>Strikes</th><th>Last success</th><th>Last failure</th>"
       "<th>Calls / failures</th><th>Validated</th><th>Expires</th><th></th></tr></thead>\n<tbody>\n";
  for (const auto& p : providers) {
    std::string name = field(p, "name");
    h += "<tr class=\"provider-row\" data-provider=\"" + html_escape(name) + "\"><td colspan=\"13\"><b>" +
         html_escape(field(p, "display_name")) + "</b> <small>" + html_escape(field(p, "model")) + "</small>";
    if (flag(p, "ejected"))
      h += " <span class=\"bad\">ejected until " + html_escape(field(p, "ejected_until")) + "</span>";
    if (!field(p, "diagnosis").empty()) h += " &mdash; " + html_escape(field(p, "diagnosis"));
    else if (!field(p, "last_error").empty()) h += " &mdash; " + html_escape(field(p, "last_error"));
    h += "</td></tr>\n";
    for (const auto& k : array_of(p, "keys")) {
      std::string state = field(k, "state");
      bool disabled = flag(k, "disabled");
      std::string calls = field(k, "calls").empty() ? field(k, "attempts") : field(k, "calls");
      h += "<tr class=\"key-row\" data-provider=\"" + html_escape(name) + "\" data-key=\"" +
           html_escape(field(k, "id")) + "\"><td>" + html_escape(field(p, "display_name")) + " Key " +
           html_escape(field(k, "id")) + "</td><td><code>" + html_escape(field(k, "masked")) +
           "</code></td><td class=\"" + state_class(state) + "\">" + html_escape(state) + "</td><td>" +
           html_escape(field(k, "since")) + "</td><td>" + html_escape(field(k, "until")) + "</td><td>" +
           reason_html(k) + "</td><td>" + html_escape(field(k, "strikes")) + "</td><td>" +
           html_escape(field(k, "last_success")) + "</td><td>" + html_escape(field(k, "last_failure")) + "</td><td>" +
           html_escape(calls) + (calls.empty() ? "" : " / " + html_escape(field(k, "failures"))) + "</td><td>" +
           (flag(k, "validated") ? "yes" : "no") + "</td><td>" + html_escape(field(k, "expires")) + "</td><td>" +
           "<button data-action=\"key\" data-op=\"" + (disabled ? "enable" : "disable") + "\" data-provider=\"" +
           html_escape(name) + "\" data-key=\"" + html_escape(field(k, "id")) + "\">" +
           (disabled ? "Enable" : "Disable") + "</button></td></tr>\n";
    }
  }
  h += "</tbody></table>\n";
  h += traffic_svg(object_of(s, "traffic"));

  const json& last = object_of(inc, "last_resolved");
  if (!last.empty())
    h += "<p class=\"muted\" id=\"last-resolved\">Last incident " + html_escape(field(last, "id")) + ": " +
         html_escape(field(last, "opened_at")) + " to " + html_escape(field(last, "resolved_at")) + ", downtime " +
         html_escape(field(last, "downtime")) + "</p>\n";
  return h;
}

// The client side: the same rendering in JavaScript (textContent-safe via
// esc()), a refresh every 5 s, and the four emergency actions.
const char* kScript = R"JS(
(function () {
  'use strict';
  function esc(v) {
    if (v === null || v === undefined) return '';
    return String(v).replace(/[&<>"']/g, function (c) {
      return {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c];
    });
  }
  function href(u) { return /^https?:\/\//.test(u || '') ? esc(u) : '#'; }
  function causes(cause) {
    if (cause === 'all_quota_exhausted') return ['Every key has used its daily quota (429 quota exceeded); it resets by itself, usually at midnight UTC', 'Add keys with free quota, or raise the limits, to recover sooner'];
    if (cause === 'all_providers_unavailable') return ['Provider service outage', 'Network problem between this host and the providers (DNS, proxy, firewall)', 'Rate limits on every key'];
    return ['Expired API keys', 'Revoked keys (regenerated at the provider)', 'Account suspended (e.g. a payment issue)', 'Provider service outage', 'Configuration error in .env (e.g. after a deployment)'];
  }
  function stateClass(s) { return s === 'healthy' ? 'ok' : (s === 'quarantined' ? 'bad' : (s === 'disabled' ? 'muted' : 'warn')); }
  function reason(k) {
    var r = k.reason || null, msg = r ? r.message : k.last_error, cls = r ? r.class : k.last_class, sig = r ? r.signal : '';
    var h = esc(msg);
    if (cls && cls !== 'ok') h += ' <small>(' + esc(cls) + (sig ? ' &middot; ' + esc(sig) : '') + ')</small>';
    return h;
  }
  function num(v) { return typeof v === 'number' && v >= 0 ? Math.floor(v) : 0; }
  function chart(t) {
    t = t || {};
    var names = ['provider', 'cache', 'emergency'], colours = ['#17803d', '#a05a00', '#c01919'];
    var n = (t.provider || []).length, max = 1, tot = [0, 0, 0], i, s;
    for (i = 0; i < n; i++) {
      var sum = 0;
      for (s = 0; s < 3; s++) { var c = num((t[names[s]] || [])[i]); tot[s] += c; sum += c; }
      if (sum > max) max = sum;
    }
    var h = '<section id="traffic"><h2>Last hour</h2><p class="meta">Requests per minute by outcome, up to ' + esc(t.end) +
            ': <span class="ok">' + tot[0] + ' provider</span>, <span class="warn">' + tot[1] + ' cache</span>, <span class="bad">' +
            tot[2] + ' emergency</span> (peak ' + max + '/min)</p>';
    h += '<svg id="traffic-chart" xmlns="http://www.w3.org/2000/svg" width="600" height="120" viewBox="0 0 600 120" role="img" aria-label="requests per minute by outcome"><rect width="100%" height="100%" fill="#fff"/>';
    for (i = 0; i < n; i++) {
      var cs = [num((t.provider || [])[i]), num((t.cache || [])[i]), num((t.emergency || [])[i])], ago = n - 1 - i, y = 120;
      h += '<g class="minute" data-ago="' + ago + '" data-provider="' + cs[0] + '" data-cache="' + cs[1] + '" data-emergency="' + cs[2] +
           '"><title>' + ago + ' min ago: ' + cs[0] + ' provider, ' + cs[1] + ' cache, ' + cs[2] + ' emergency</title>';
      for (s = 0; s < 3; s++) {
        if (!cs[s]) continue;
        var height = Math.max(1, Math.floor(cs[s] * 120 / max));
        y -= height;
        h += '<rect x="' + (i * 10) + '" y="' + y + '" width="9" height="' + height + '" fill="' + colours[s] + '"/>';
      }
      h += '</g>';
    }
    return h + '</svg></section>';
  }
  function render(s) {
    var inc = s.incident || {}, ch = s.channels || {}, providers = s.providers || [], h = '';
    h += '<p class="meta">Updated <span id="now">' + esc(s.now) + '</span> &middot; ' +
         (s.ready ? '<span class="ok">ready</span>' : '<span class="bad">not ready</span>') + ' &middot; alerts:';
    ['email', 'telegram', 'webhook'].forEach(function (c) {
      h += ' ' + c + (ch[c] ? ' <span class="ok">on</span>' : ' <span class="muted">off</span>');
    });
    var st = s.store || {}, jr = s.journal || {};
    if (st.state === 'degraded')
      h += ' &middot; <span id="store-state" class="bad">store: degraded</span> (' + esc(st.reason) + '; ' +
           esc(st.spilled_alerts) + ' alerts in memory only)';
    var cl = s.cluster || {};
    if (cl.state === 'degraded')
      h += ' &middot; <span id="cluster-state" class="bad">cluster: degraded</span> (' + esc(cl.degraded_reason) +
           '; replica ' + esc(cl.replica_id) + ' serves on its own state)';
    if (jr.state === 'degraded')
      h += ' &middot; <span id="journal-state" class="bad">journal: degraded</span> (' + esc(jr.last_error) + '; ' +
           esc(jr.dropped_lines) + ' lines dropped)';
    h += '</p>';
    if (inc.state === 'open') {
      h += '<section id="emergency" class="critical"><h2><span class="badge">!</span> EMERGENCY: All AI Keys Failed</h2>';
      h += '<p>Since <b>' + esc(inc.opened_at) + '</b> &middot; incident ' + esc(inc.id) + ' &middot; cause <code>' + esc(inc.cause) + '</code></p>';
      if (inc.diagnosis) h += '<p class="diagnosis">' + esc(inc.diagnosis) + '</p>';
      h += '<h3>Status by provider</h3><ul id="emergency-providers">';
      (inc.providers || []).forEach(function (p) {
        h += '<li><b>' + esc(p.display_name) + '</b>: ' + esc(p.keys_failed) + '/' + esc(p.keys_total) +
             (p.keys_total === 1 ? ' key' : ' keys') + ' failed';
        if (p.last_error) h += ' &mdash; <q>' + esc(p.last_error) + '</q>';
        if (p.diagnosis) h += '<br><small>' + esc(p.diagnosis) + '</small>';
        h += '</li>';
      });
      h += '</ul><h3>Possible causes</h3><ol>';
      causes(inc.cause).forEach(function (c) { h += '<li>' + esc(c) + '</li>'; });
      h += '</ol><h3>Impact</h3><p>Platform AI is completely unavailable: users get a cached answer where one exists, otherwise the emergency answer (HTTP 503, retryable).</p>';
      h += '<h3>Actions</h3><div class="actions"><button data-action="dashboards">Check Provider Dashboards</button> <button data-action="logs">View Logs</button> <button data-action="test">Test Connection</button> <button data-action="reload">Update Keys</button></div>';
      h += '<ul id="dashboard-links" class="links' + (linksOpen ? ' open' : '') + '">';
      providers.forEach(function (p) {
        h += '<li><a target="_blank" rel="noopener" href="' + href(p.dashboard_url) + '">' + esc(p.display_name) + ' dashboard</a> <small>' + esc(p.dashboard_url) + '</small></li>';
      });
      h += '</ul></section>';
    }
    h += '<h2>Providers and keys</h2><table id="providers"><thead><tr><th>Provider</th><th>Key</th><th>State</th><th>Since</th><th>Until</th><th>Reason</th><th>Strikes</th><th>Last success</th><th>Last failure</th><th>Calls / failures</th><th>Validated</th><th>Expires</th><th></th></tr></thead><tbody>';
    providers.forEach(function (p) {
      h += '<tr class="provider-row" data-provider="' + esc(p.name) + '"><td colspan="13"><b>' + esc(p.display_name) + '</b> <small>' + esc(p.model) + '</small>';
      if (p.ejected) h += ' <span class="bad">ejected until ' + esc(p.ejected_until) + '</span>';
      if (p.diagnosis) h += ' &mdash; ' + esc(p.diagnosis); else if (p.last_error) h += ' &mdash; ' + esc(p.last_error);
      h += '</td></tr>';
      (p.keys || []).forEach(function (k) {
        var calls = k.calls !== undefined ? k.calls : k.attempts, op = k.disabled === true ? 'enable' : 'disable';
        h += '<tr class="key-row" data-provider="' + esc(p.name) + '" data-key="' + esc(k.id) + '"><td>' + esc(p.display_name) + ' Key ' + esc(k.id) +
             '</td><td><code>' + esc(k.masked) + '</code></td><td class="' + stateClass(k.state) + '">' + esc(k.state) +
             '</td><td>' + esc(k.since) + '</td><td>' + esc(k.until) + '</td><td>' + reason(k) + '</td><td>' + esc(k.strikes) +
             '</td><td>' + esc(k.last_success) + '</td><td>' + esc(k.last_failure) + '</td><td>' +
             (calls === undefined || calls === null ? '' : esc(calls) + ' / ' + esc(k.failures)) +
             '</td><td>' + (k.validated ? 'yes' : 'no') + '</td><td>' + esc(k.expires) + '</td><td>' +
             '<button data-action="key" data-op="' + op + '" data-provider="' + esc(p.name) + '" data-key="' + esc(k.id) + '">' +
             (op === 'enable' ? 'Enable' : 'Disable') + '</button></td></tr>';
      });
    });
    h += '</tbody></table>';
    h += chart(s.traffic);
    var last = inc.last_resolved;
    if (last) h += '<p class="muted" id="last-resolved">Last incident ' + esc(last.id) + ': ' + esc(last.opened_at) + ' to ' + esc(last.resolved_at) + ', downtime ' + esc(last.downtime) + '</p>';
    document.getElementById('app').innerHTML = h;
  }
  var linksOpen = false;
  function refresh() {
    fetch('/api/status', {cache: 'no-store'}).then(function (r) { return r.json(); })
      .then(function (s) { render(s); document.body.classList.remove('stale'); })
      .catch(function () { document.body.classList.add('stale'); });
  }
  function token(ask) {
    var t = sessionStorage.getItem('keyward_admin_token');
    if (!t && ask) {
      t = window.prompt('Admin token (kept for this browser session only)');
      if (t) sessionStorage.setItem('keyward_admin_token', t);
    }
    return t;
  }
  function show(title, text) {
    var out = document.getElementById('action-output');
    out.hidden = false;
    document.getElementById('action-title').textContent = title;
    document.getElementById('action-text').textContent = text;
  }
  function call(method, url, admin, title) {
    var headers = {};
    var t = token(admin);
    if (admin && !t) { show(title, 'Cancelled: an admin token is needed.'); return; }
    if (t) headers['Authorization'] = 'Bearer ' + t;
    show(title, 'Working...');
    fetch(url, {method: method, headers: headers}).then(function (r) {
      if (r.status === 401 || r.status === 403) sessionStorage.removeItem('keyward_admin_token');
      return r.text().then(function (body) {
        var text = body;
        try { text = JSON.stringify(JSON.parse(body), null, 2); } catch (e) {}
        show(title + ' (HTTP ' + r.status + ')', text);
        refresh();
      });
    }).catch(function (e) { show(title, 'Request failed: ' + e); });
  }
  document.addEventListener('click', function (ev) {
    var b = ev.target.closest ? ev.target.closest('button[data-action]') : null;
    if (!b) return;
    var a = b.getAttribute('data-action');
    if (a === 'dashboards') {
      linksOpen = !linksOpen;
      var l = document.getElementById('dashboard-links');
      if (l) l.classList.toggle('open', linksOpen);
    } else if (a === 'logs') call('GET', '/api/journal?limit=50', true, 'Recent journal');
    else if (a === 'test') call('POST', '/admin/keys/test', true, 'Test Connection');
    else if (a === 'reload') call('POST', '/admin/reload', true, 'Update Keys (reload .env)');
    else if (a === 'key') {
      var op = b.getAttribute('data-op') === 'enable' ? 'enable' : 'disable', prov = b.getAttribute('data-provider') || '',
          id = b.getAttribute('data-key') || '';
      call('POST', '/admin/keys/' + encodeURIComponent(prov) + '/' + encodeURIComponent(id) + '/' + op, true,
           (op === 'enable' ? 'Enable ' : 'Disable ') + prov + ' key ' + id);
    }
  });
  document.body.classList.add('js');
  setInterval(refresh, 5000);
  refresh();
})();
)JS";

const char* kStyle = R"CSS(
body{font-family:system-ui,sans-serif;margin:1.5em;color:#1d2330;background:#f7f8fa}
h1{font-size:1.4em;margin:0 0 .3em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #e3e6ea;padding:.35em .6em;text-align:left;vertical-align:top;font-size:.92em}
tr.provider-row td{background:#eef1f5}
.ok{color:#17803d;font-weight:600}.bad{color:#c01919;font-weight:600}.warn{color:#a05a00;font-weight:600}
.muted{color:#6b7280}.meta{color:#4b5563}
.critical{border:3px solid #c01919;background:#fff1f1;padding:.8em 1.2em;margin:1em 0;border-radius:6px}
.critical h2{color:#c01919;margin-top:.2em}
.badge{display:inline-block;background:#c01919;color:#fff;border-radius:50%;width:1.3em;height:1.3em;text-align:center;line-height:1.3em}
.actions button{font-size:1em;padding:.4em .9em;margin:.2em .2em .2em 0;cursor:pointer}
ul.links{display:none}body:not(.js) ul.links,ul.links.open{display:block}
#action-output{background:#111827;color:#e5e7eb;padding:.8em;border-radius:6px;margin-top:1em}
#action-output pre{white-space:pre-wrap;max-height:24em;overflow:auto}
body.stale #now::after{content:" (refresh failed)";color:#c01919}
)CSS";

}  // namespace

std::string render_dashboard_html(const nlohmann::json& status) {
  std::string h;
  bool open = field(object_of(status, "incident"), "state") == "open";
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">";
  h += std::string("<title>") + (open ? "EMERGENCY - " : "") + "Keyward dashboard</title>";
  h += std::string("<style>") + kStyle + "</style></head>\n<body>\n";
  h += "<h1>Keyward &mdash; AI providers</h1>\n";
  h += "<noscript><p class=\"muted\">JavaScript is off: reload the page to refresh; actions need JavaScript "
       "(or use <code>keyward keys check</code> and <code>POST /admin/reload</code>).</p></noscript>\n";
  h += "<div id=\"app\">\n" + render_app(status) + "</div>\n";
  h += "<section id=\"action-output\" hidden><b id=\"action-title\"></b><pre id=\"action-text\"></pre></section>\n";
  h += std::string("<script>") + kScript + "</script>\n</body></html>\n";
  return h;
}

}  // namespace keyward
