#include "scenarios/report.h"

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "base/escape.h"

namespace keyward::scenarios {

bool ScenarioOutcome::passed() const { return run.setup_error.empty() && failures() == 0; }

int ScenarioOutcome::failures() const {
  int n = 0;
  for (const auto& r : results) n += r.passed || r.skipped ? 0 : 1;
  return n + static_cast<int>(vacuous.size());
}

int ScenarioOutcome::skipped() const {
  int n = 0;
  for (const auto& r : results) n += r.skipped ? 1 : 0;
  return n;
}

namespace {

std::string kind_name(Expectation::Kind k) {
  switch (k) {
    case Expectation::Kind::response: return "response";
    case Expectation::Kind::provider_calls: return "provider_calls";
    case Expectation::Kind::alerts: return "alerts";
    case Expectation::Kind::status: return "status";
    case Expectation::Kind::log: return "log";
    case Expectation::Kind::incident: return "incident";
    case Expectation::Kind::metrics: return "metrics";
    case Expectation::Kind::invariant: return "invariant";
  }
  return "?";
}

// "file:12", or "file" for a checker that runs without a line of its own.
std::string where(const std::string& file, int line) { return line > 0 ? file + ":" + std::to_string(line) : file; }

// "alerts (line 12)", "invariant recovers (line 30)", "invariant one_alert_per_kind (always on)".
std::string result_name(const Expectation& x) {
  std::string name = kind_name(x.kind);
  if (x.kind == Expectation::Kind::invariant) name += " " + x.invariant;
  return name + (x.line > 0 ? " (line " + std::to_string(x.line) + ")" : " (always on)");
}

std::string fmt_ms(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  return buf;
}

}  // namespace

std::string console_report(const ScenarioOutcome& o, const std::string& replay_command) {
  std::ostringstream out;
  const auto& s = o.scenario;
  if (!o.run.skipped.empty()) {
    out << "SKIP  " << s.name << "  (" << s.file << ", black-box): " << o.run.skipped << "\n";
    return out.str();
  }
  if (!s.expected_failure.empty() && !o.passed()) {
    out << "XFAIL " << s.name << "  (" << s.file << "): expected failure: " << s.expected_failure << "\n";
    for (const auto& r : o.results)
      if (!r.passed && !r.skipped)
        out << "  ✗ " << where(s.file, r.expectation->line) << ": " << r.expectation->source << "\n"
            << "      expected: " << r.expected << "\n"
            << "      actual:   " << r.actual.substr(0, 300) << "\n";
    return out.str();
  }
  if (!s.expected_failure.empty())
    out << "XPASS " << s.name << "  (" << s.file << "): passes now: remove its expected_failure mark (\""
        << s.expected_failure << "\")\n";
  out << (o.passed() ? "PASS" : "FAIL") << "  " << s.name << "  (" << s.file << ", " << o.results.size()
      << " expectations";
  if (o.run.black_box)
    out << ", " << o.skipped() << " skipped, black-box: " << fmt_ms(static_cast<double>(o.run.simulated.count()))
        << " of timeline in "
        << fmt_ms(o.run.wall_ms) << " wall)\n";
  else
    out << ", " << human_duration(o.run.simulated) << " simulated in " << fmt_ms(o.run.wall_ms) << ")\n";
  // Never shown as passed: each expectation black-box cannot check.
  for (const auto& r : o.results)
    if (r.skipped)
      out << "  - " << where(s.file, r.expectation->line) << ": " << r.expectation->source << "\n"
          << "      " << r.skip_reason << "\n";
  if (o.passed()) return out.str();
  if (!o.run.setup_error.empty()) out << "      setup: " << o.run.setup_error << "\n";
  for (const auto& r : o.results) {
    if (r.passed || r.skipped) continue;
    out << "  ✗ " << where(s.file, r.expectation->line) << ": " << r.expectation->source << "\n"
        << "      expected: " << r.expected << "\n"
        << "      actual:   " << r.actual << "\n";
  }
  for (const auto& v : o.vacuous)
    out << "  ✗ " << where(s.file, v.line) << ": vacuous: " << (v.expectation ? v.expectation->source : "") << "\n"
        << "      self-check: " << v.mutation << " (the expectation checks nothing there)\n";
  out << "  timeline:\n";
  // Runs of the same happening (a repeated request) fold into one line.
  const auto& lines = o.run.timeline;
  for (size_t i = 0; i < lines.size();) {
    auto what = [&](size_t k) { return lines[k].substr(lines[k].find(' ') + 1); };
    size_t j = i + 1;
    while (j < lines.size() && what(j) == what(i)) ++j;
    if (j - i > 1) {
      out << "      " << lines[i].substr(0, lines[i].find(' ')) << ".." << lines[j - 1].substr(0, lines[j - 1].find(' '))
          << " " << what(i) << " (x" << (j - i) << ")\n";
    } else {
      out << "      " << lines[i] << "\n";
    }
    i = j;
  }
  out << "  replay: " << replay_command << "\n";
  return out.str();
}

std::string junit_report(const std::vector<ScenarioOutcome>& outcomes) {
  std::ostringstream out;
  int tests = 0, failures = 0, skipped = 0;
  for (const auto& o : outcomes) {
    tests += static_cast<int>(o.results.size()) + (o.run.setup_error.empty() ? 0 : 1) + (o.run.skipped.empty() ? 0 : 1);
    failures += o.failures() + (o.run.setup_error.empty() ? 0 : 1);
    skipped += o.skipped() + (o.run.skipped.empty() ? 0 : 1);
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"keyward scenarios\" tests=\"" << tests
      << "\" failures=\"" << failures << "\"" << (skipped ? " skipped=\"" + std::to_string(skipped) + "\"" : "")
      << ">\n";
  for (const auto& o : outcomes) {
    out << "  <testsuite name=\"" << xml_escape(o.scenario.name) << "\" file=\"" << xml_escape(o.scenario.file)
        << "\" tests=\"" << o.results.size() + (o.run.skipped.empty() ? 0 : 1) << "\" failures=\"" << o.failures()
        << (o.skipped() || !o.run.skipped.empty()
                ? "\" skipped=\"" + std::to_string(o.skipped() + (o.run.skipped.empty() ? 0 : 1))
                : std::string())
        << "\" time=\"" << o.run.wall_ms / 1000.0 << "\">\n";
    if (!o.run.skipped.empty())
      out << "    <testcase name=\"scenario\"><skipped message=\"" << xml_escape("black-box: " + o.run.skipped)
          << "\"/></testcase>\n";
    if (!o.run.setup_error.empty())
      out << "    <testcase name=\"setup\"><failure message=\"" << xml_escape(o.run.setup_error) << "\"/></testcase>\n";
    for (const auto& r : o.results) {
      std::string name = result_name(*r.expectation);
      out << "    <testcase classname=\"" << xml_escape(o.scenario.file) << "\" name=\"" << xml_escape(name) << "\"";
      if (r.passed) {
        out << "/>\n";
      } else if (r.skipped) {
        out << ">\n      <skipped message=\"" << xml_escape(r.skip_reason) << "\"/>\n    </testcase>\n";
      } else {
        out << ">\n      <failure message=\"" << xml_escape("expected " + r.expected) << "\">"
            << xml_escape(r.expectation->source + "\nexpected: " + r.expected + "\nactual: " + r.actual)
            << "</failure>\n    </testcase>\n";
      }
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
  return out.str();
}

std::string json_report(const std::vector<ScenarioOutcome>& outcomes) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& o : outcomes) {
    nlohmann::json j;
    j["name"] = o.scenario.name;
    j["file"] = o.scenario.file;
    j["seed"] = o.scenario.seed;
    j["passed"] = o.passed();
    j["setup_error"] = o.run.setup_error;
    if (o.run.black_box) j["black_box"] = true;
    if (!o.run.skipped.empty()) j["skipped"] = o.run.skipped;
    j["journal"] = o.run.journal();
    j["expectations"] = nlohmann::json::array();
    for (const auto& r : o.results) {
      nlohmann::json e = {{"line", r.expectation->line}, {"kind", kind_name(r.expectation->kind)},
                          {"passed", r.passed}, {"expected", r.expected}, {"actual", r.actual}};
      if (r.expectation->kind == Expectation::Kind::invariant) e["checker"] = r.expectation->invariant;
      if (r.skipped) {
        e["skipped"] = true;
        e["skip_reason"] = r.skip_reason;
      }
      j["expectations"].push_back(std::move(e));
    }
    all.push_back(j);
  }
  return all.dump(2) + "\n";
}

std::string html_report(const std::vector<ScenarioOutcome>& outcomes) {
  std::ostringstream out;
  out << "<!doctype html><html><head><meta charset=\"utf-8\"><title>Keyward scenario report</title><style>"
         "body{font-family:system-ui,sans-serif;margin:24px;color:#222}h2{margin-top:32px}"
         ".pass{color:#137333}.fail{color:#c5221f}.lane{display:flex;align-items:center;margin:2px 0}"
         ".lane .name{width:220px;font-size:12px;font-family:monospace}.bar{position:relative;flex:1;height:16px;"
         "background:#eee}.seg{position:absolute;top:0;height:16px}.healthy{background:#81c995}"
         ".quarantined{background:#f28b82}.exhausted{background:#fdd663}.rate_limited{background:#fbbc04}"
         ".ejected{background:#9aa0a6}.mark{position:absolute;top:-3px;width:2px;height:22px}"
         ".req{background:#1a73e8}.alert{background:#c5221f}table{border-collapse:collapse;font-size:13px}"
         "td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}"
         ".legend span{display:inline-block;padding:0 6px;margin-right:6px;font-size:12px}</style></head><body>"
         "<h1>Keyward scenario report</h1><p class=\"legend\"><span class=\"healthy\">healthy</span>"
         "<span class=\"quarantined\">quarantined</span><span class=\"exhausted\">exhausted</span>"
         "<span class=\"rate_limited\">rate limited</span><span class=\"ejected\">provider ejected</span>"
         "<span class=\"req\" style=\"color:#fff\">request</span><span class=\"alert\" style=\"color:#fff\">alert</span></p>";
  int passed = 0;
  for (const auto& o : outcomes) passed += o.passed();
  out << "<p>" << passed << " of " << outcomes.size() << " scenarios passed.</p>";
  for (const auto& o : outcomes) {
    const auto& run = o.run;
    double span = std::max<double>(1.0, static_cast<double>(run.simulated.count()));
    auto pct = [&](Millis t) { return 100.0 * static_cast<double>(t.count()) / span; };
    out << "<h2 class=\"" << (o.passed() ? "pass" : "fail") << "\">" << (o.passed() ? "✓ " : "✗ ")
        << xml_escape(o.scenario.name) << "</h2><p>" << xml_escape(o.scenario.description) << "</p>";
    if (!run.skipped.empty()) out << "<p><b>Skipped (black-box):</b> " << xml_escape(run.skipped) << "</p>";
    // Swimlanes: one per key, from the status snapshots taken after each
    // event. A deadline between two snapshots ends its span there; a key
    // that disappears (edited out of .env) ends its lane.
    struct Point {
      Millis at;
      std::string state;  // "" = the key is gone
      std::optional<Millis> until;
    };
    std::map<std::string, std::vector<Point>> lanes;
    for (const auto& [t, st] : run.statuses) {
      if (!st.contains("providers")) continue;
      std::set<std::string> seen;
      for (const auto& p : st["providers"]) {
        bool ejected = p.value("ejected", false);
        for (const auto& k : p.value("keys", nlohmann::json::array())) {
          std::string lane = p.value("name", "?") + " key " + std::to_string(k.value("id", 0)) + " " +
                             k.value("masked", "");
          std::optional<Millis> until;
          WallTime u;
          if (k.contains("until") && k["until"].is_string() && parse_iso8601(k["until"].get<std::string>(), &u))
            until = Millis((u - o.scenario.start_at).count());
          if (p.contains("ejected_until") && p["ejected_until"].is_string() && ejected &&
              parse_iso8601(p["ejected_until"].get<std::string>(), &u))
            until = Millis((u - o.scenario.start_at).count());
          lanes[lane].push_back({t, ejected ? "ejected" : k.value("state", "healthy"), until});
          seen.insert(lane);
        }
      }
      for (auto& [lane, points] : lanes)
        if (!seen.count(lane) && !points.back().state.empty()) points.push_back({t, "", std::nullopt});
    }
    auto segment = [&](Millis from, Millis to, const std::string& state) {
      if (to <= from || state.empty()) return;
      out << "<div class=\"seg " << xml_escape(state) << "\" style=\"left:" << pct(from)
          << "%;width:" << std::max(0.3, pct(to) - pct(from)) << "%\" title=\"" << xml_escape(state) << "\"></div>";
    };
    for (const auto& [lane, points] : lanes) {
      out << "<div class=\"lane\"><div class=\"name\">" << xml_escape(lane) << "</div><div class=\"bar\">";
      for (size_t i = 0; i < points.size(); ++i) {
        Millis end = i + 1 < points.size() ? points[i + 1].at : run.simulated;
        const auto& pt = points[i];
        if (pt.state != "healthy" && pt.until && *pt.until < end) {
          segment(pt.at, *pt.until, pt.state);
          segment(*pt.until, end, "healthy");
        } else {
          segment(pt.at, end, pt.state);
        }
      }
      out << "</div></div>";
    }
    out << "<div class=\"lane\"><div class=\"name\">requests / alerts</div><div class=\"bar\">";
    for (const auto& r : run.requests)
      out << "<div class=\"mark req\" style=\"left:" << pct(r.at) << "%\" title=\"" << r.status << "\"></div>";
    for (const auto& a : run.alerts)
      out << "<div class=\"mark alert\" style=\"left:" << pct(a.at) << "%\" title=\"" << xml_escape(a.subject)
          << "\"></div>";
    out << "</div></div><table><tr><th>line</th><th>expectation</th><th>verdict</th></tr>";
    for (const auto& r : o.results)
      out << "<tr><td>" << (r.expectation->line > 0 ? std::to_string(r.expectation->line) : "")
          << "</td><td><code>" << xml_escape(r.expectation->source)
          << "</code></td><td class=\""
          << (r.passed    ? std::string("pass\">pass")
              : r.skipped ? "skip\">" + xml_escape(r.skip_reason)
                          : "fail\">expected " + xml_escape(r.expected) + "<br>actual " + xml_escape(r.actual))
          << "</td></tr>";
    out << "</table><details><summary>timeline</summary><pre>";
    for (const auto& line : run.timeline) out << xml_escape(line) << "\n";
    out << "</pre></details>";
  }
  out << "</body></html>\n";
  return out.str();
}

}  // namespace keyward::scenarios
