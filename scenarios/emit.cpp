#include "scenarios/emit.h"

#include <cstdio>
#include <sstream>

#include "fakes/key_state.h"

namespace keyward::scenarios {

namespace {

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == '/' || c == '@' || c == '+';
}

// Words YAML 1.1/1.2 reads as booleans or null: they must stay strings.
bool special_word(const std::string& s) {
  std::string l;
  for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* w : {"true", "false", "yes", "no", "on", "off", "y", "n", "null"})
    if (l == w) return true;
  return false;
}

// Milliseconds only when there are some: 2025-11-18T08:00:00Z, 2025-11-18T08:00:00.250Z.
std::string iso(WallTime t) {
  return t == std::chrono::floor<std::chrono::seconds>(t) ? format_iso8601(t) : format_iso8601_ms(t);
}

// A YAML flow text (as the loader's dump() or yaml-cpp writes it) re-emitted
// in flow style, so that it fits on an event or expectation line.
std::string flow_of(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

// Continuation lines of a flow text inside a block list item must be
// indented deeper than the item.
std::string indent_continuations(const std::string& text, int indent) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += std::string(static_cast<size_t>(indent), ' ');
  }
  return out;
}

// A comment is one line: a line break would end it and start YAML.
std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

// "    # text" after a field, or "" without a comment.
std::string trailing(const std::string& comment) { return comment.empty() ? "" : "    # " + one_line(comment); }

std::string comment_at(const Scenario& s, const std::string& path) {
  auto it = s.comments.find(path);
  return it == s.comments.end() ? "" : trailing(it->second);
}

nlohmann::json fault_json(const fakes::FaultSpec& f) {
  nlohmann::json j = nlohmann::json::object();
  j["kind"] = f.fault ? f.fault->kind() : "status";
  if (f.fault) {
    nlohmann::json params = f.fault->params();  // items() of a temporary would dangle
    for (auto& [k, v] : params.items()) j[k] = v;
  }
  // The raw key, not FaultSpec::to_json's masked one: the fault must match it again.
  if (!f.scope.key.empty()) j["key"] = f.scope.key;
  if (!f.scope.path.empty()) j["path"] = f.scope.path;
  if (f.scope.first) j["first"] = f.scope.first;
  if (f.scope.every) j["every"] = f.scope.every;
  if (f.scope.after) j["after"] = f.scope.after;
  if (f.scope.probability != 1.0) j["probability"] = f.scope.probability;
  return j;
}

std::string request_text(const RequestSpec& r, int repeat, Millis every) {
  std::string s = "{";
  if (r.api != "chat") s += "api: " + r.api + ", ";
  s += "message: " + yaml_scalar(r.message);
  if (r.stream) s += ", stream: true";
  if (repeat > 1) s += ", repeat: " + std::to_string(repeat) + ", every: " + yaml_duration(every);
  if (r.replica > 0) s += ", replica: " + std::to_string(r.replica);
  return s + "}";
}

std::string sink_fault_text(const fakes::SinkFault& f) {
  std::string s;
  switch (f.kind) {
    case fakes::SinkFault::Kind::down: s = "down: true"; break;
    case fakes::SinkFault::Kind::slow: s = "slow_ms: " + std::to_string(f.delay_ms); break;
    case fakes::SinkFault::Kind::status: s = "status: " + std::to_string(f.status); break;
    case fakes::SinkFault::Kind::reply:
      s = std::string("smtp_reply: {stage: ") + fakes::to_string(f.stage) + ", code: " + std::to_string(f.code) + "}";
      break;
  }
  if (f.first) s += ", first: " + std::to_string(f.first);
  return s;
}

std::string event_body(const Event& e, int repeat, Millis every) {
  switch (e.kind) {
    case Event::Kind::request: return "request: " + request_text(e.request, repeat, every);
    case Event::Kind::key_state:
      return "key_state: {provider: " + yaml_scalar(e.provider) + ", key: " + yaml_scalar(e.key) +
             ", state: " + fakes::to_string(e.key_state) + "}";
    case Event::Kind::fault:
      return "fault: {provider: " + yaml_scalar(e.provider) + (e.fault_id.empty() ? "" : ", id: " + yaml_scalar(e.fault_id)) +
             ", spec: " + yaml_flow(fault_json(e.fault)) + "}";
    case Event::Kind::clear_fault:
      return "clear_fault: {provider: " + yaml_scalar(e.provider) +
             (e.fault_id.empty() ? "" : ", id: " + yaml_scalar(e.fault_id)) + "}";
    case Event::Kind::sink_fault: return "sink_fault: {sink: " + e.sink + ", " + sink_fault_text(e.sink_fault) + "}";
    case Event::Kind::clear_sink_fault: return "clear_sink_fault: " + e.sink;
    case Event::Kind::edit_env: {
      std::string s = "edit_env: {";
      bool first = true;
      for (const auto& [name, value] : e.env_edits) {
        s += (first ? "" : ", ") + yaml_scalar(name) + ": " + (value ? yaml_scalar(*value) : "null");
        first = false;
      }
      return s + "}";
    }
    case Event::Kind::reload: return "reload: true";
    case Event::Kind::restart: {
      std::string fields = std::string(e.validate_on_start ? "" : "validate_on_start: false") +
                           (e.replica > 0 ? std::string(e.validate_on_start ? "" : ", ") + "replica: " + std::to_string(e.replica) : "");
      return fields.empty() ? "restart: true" : "restart: {" + fields + "}";
    }
    case Event::Kind::health_check:
      return e.replica > 0 ? "health_check: {replica: " + std::to_string(e.replica) + "}" : "health_check: true";
    case Event::Kind::advance: return "advance: true";
    case Event::Kind::redis: return std::string("redis: {down: ") + (e.redis_down ? "true" : "false") + "}";
    case Event::Kind::partition: return "partition: {replica: " + std::to_string(e.replica) + "}";
    case Event::Kind::heal: return "heal: {replica: " + std::to_string(e.replica) + "}";
  }
  return "advance: true";
}

bool same_request(const Event& a, const Event& b) {
  return a.kind == Event::Kind::request && b.kind == Event::Kind::request && a.id == b.id &&
         a.request.api == b.request.api && a.request.message == b.request.message && a.request.stream == b.request.stream;
}

void emit_provider(std::ostringstream& out, const Scenario& s, size_t index) {
  const fakes::ProviderOptions& p = s.world.providers[index];
  const uint64_t world_seed = s.world.seed;
  const std::string path = "world.providers[" + std::to_string(index) + "].";
  const fakes::ProviderOptions d;
  out << "    - name: " << yaml_scalar(p.name) << "\n      kind: " << fakes::to_string(p.kind) << "\n";
  if (p.host != d.host || p.port != d.port) out << "      listen: " << yaml_scalar(p.host + ":" + std::to_string(p.port)) << "\n";
  if (p.tls) out << "      tls: true\n";
  if (!p.model.empty()) out << "      model: " << yaml_scalar(p.model) << "\n";
  if (p.latency_ms) out << "      latency_ms: " << p.latency_ms << "\n";
  if (p.default_key_state != d.default_key_state)
    out << "      default_key_state: " << fakes::to_string(p.default_key_state) << "\n";
  if (!p.keys.empty()) {
    out << "      keys:\n";
    for (const auto& [key, spec] : p.keys) {
      out << "        " << yaml_scalar(key) << ": ";
      if (spec.variant >= 0) out << "{state: " << fakes::to_string(spec.state) << ", variant: " << spec.variant << "}";
      else out << fakes::to_string(spec.state);
      out << comment_at(s, path + "keys." + key) << "\n";
    }
  }
  if (p.limits.requests_per_minute || p.limits.requests_per_day) {
    out << "      limits: {";
    if (p.limits.requests_per_minute) out << "requests_per_minute: " << p.limits.requests_per_minute;
    if (p.limits.requests_per_minute && p.limits.requests_per_day) out << ", ";
    if (p.limits.requests_per_day) out << "requests_per_day: " << p.limits.requests_per_day;
    out << "}\n";
  }
  if (!p.faults.empty()) {
    out << "      faults:\n";
    for (const auto& f : p.faults) out << "        - " << yaml_flow(fault_json(f)) << "\n";
  }
  if (p.error_variant != d.error_variant) out << "      error_variant: " << p.error_variant << "\n";
  if (p.rate_limited_retry_s != d.rate_limited_retry_s)
    out << "      rate_limited_retry_s: " << p.rate_limited_retry_s << comment_at(s, path + "rate_limited_retry_s") << "\n";
  if (p.seed != Random::derive(world_seed, p.name)) out << "      seed: " << p.seed << "\n";
  if (p.max_threads != d.max_threads) out << "      max_threads: " << p.max_threads << "\n";
  if (p.keep_alive_timeout_s != d.keep_alive_timeout_s) out << "      keep_alive_timeout_s: " << p.keep_alive_timeout_s << "\n";
  if (p.journal_limit != d.journal_limit) out << "      journal_limit: " << p.journal_limit << "\n";
  if (p.max_body_bytes != d.max_body_bytes) out << "      max_body_bytes: " << p.max_body_bytes << "\n";
}

std::string sink_faults(const std::vector<fakes::SinkFault>& faults) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& f : faults) j.push_back(fakes::to_json(f));
  return yaml_flow(j);
}

void emit_sinks(std::ostringstream& out, const fakes::SinksOptions& s, const std::string& comment) {
  if (!s.smtp && !s.telegram && !s.webhook) return;
  out << "  sinks:" << comment << "\n";
  std::vector<std::string> f;
  auto field = [&](const char* name, const std::string& value) { f.push_back(std::string(name) + ": " + value); };
  auto flush = [&](const char* sink) {
    out << "    " << sink << ": {";
    for (size_t i = 0; i < f.size(); ++i) out << (i ? ", " : "") << f[i];
    out << "}\n";
    f.clear();
  };
  if (s.smtp) {
    const fakes::SmtpSinkOptions d;
    const auto& o = *s.smtp;
    if (o.listen != d.listen) field("listen", yaml_scalar(o.listen));
    if (o.hostname != d.hostname) field("hostname", yaml_scalar(o.hostname));
    if (o.max_line_bytes != d.max_line_bytes) field("max_line_bytes", std::to_string(o.max_line_bytes));
    if (o.max_message_bytes != d.max_message_bytes) field("max_message_bytes", std::to_string(o.max_message_bytes));
    if (o.max_recipients != d.max_recipients) field("max_recipients", std::to_string(o.max_recipients));
    if (o.max_messages != d.max_messages) field("max_messages", std::to_string(o.max_messages));
    if (o.max_connections != d.max_connections) field("max_connections", std::to_string(o.max_connections));
    if (o.journal_limit != d.journal_limit) field("journal_limit", std::to_string(o.journal_limit));
    if (!o.faults.empty()) field("faults", sink_faults(o.faults));
    flush("smtp");
  }
  if (s.telegram) {
    const fakes::TelegramSinkOptions d;
    const auto& o = *s.telegram;
    if (o.listen != d.listen) field("listen", yaml_scalar(o.listen));
    if (o.token != d.token) field("token", yaml_scalar(o.token));
    if (o.max_body_bytes != d.max_body_bytes) field("max_body_bytes", std::to_string(o.max_body_bytes));
    if (o.max_messages != d.max_messages) field("max_messages", std::to_string(o.max_messages));
    if (o.journal_limit != d.journal_limit) field("journal_limit", std::to_string(o.journal_limit));
    if (!o.faults.empty()) field("faults", sink_faults(o.faults));
    flush("telegram");
  }
  if (s.webhook) {
    const fakes::WebhookSinkOptions d;
    const auto& o = *s.webhook;
    if (o.listen != d.listen) field("listen", yaml_scalar(o.listen));
    if (o.path != d.path) field("path", yaml_scalar(o.path));
    if (o.max_body_bytes != d.max_body_bytes) field("max_body_bytes", std::to_string(o.max_body_bytes));
    if (o.max_messages != d.max_messages) field("max_messages", std::to_string(o.max_messages));
    if (o.journal_limit != d.journal_limit) field("journal_limit", std::to_string(o.journal_limit));
    if (!o.faults.empty()) field("faults", sink_faults(o.faults));
    flush("webhook");
  }
}

}  // namespace

std::string yaml_scalar(const std::string& s) {
  bool plain = !s.empty() && !special_word(s) && (std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_' || s[0] == '/');
  for (char c : s) plain = plain && plain_char(c);
  if (plain) return s;
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string yaml_duration(Millis d) {
  long long ms = d.count();
  if (ms <= 0) return "0s";
  std::string out;
  const std::pair<long long, const char*> units[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}, {1, "ms"}};
  for (const auto& [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

std::string yaml_flow(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string yaml_text_block(const std::string& text, int indent) {
  bool literal = !text.empty() && text.back() == '\n' && (text.size() < 2 || text[text.size() - 2] != '\n') &&
                 text[0] != ' ' && text[0] != '\n';
  for (unsigned char c : text) literal = literal && (c >= 0x20 || c == '\n' || c == '\t') && c != 0x7f;
  // Indentation of the first line sets the block's; a line starting with a tab would not read back.
  for (size_t pos = 0; literal && pos < text.size(); pos = text.find('\n', pos) + 1)
    literal = text[pos] != '\t';
  if (!literal) return " " + yaml_scalar(text);
  std::string pad(static_cast<size_t>(indent), ' ');
  std::string out = " |\n";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end - pos);
    out += (line.empty() ? "" : pad + line) + "\n";
    pos = end + 1;
  }
  return out;
}

std::string emit_scenario(const Scenario& s) {
  std::ostringstream out;
  for (const auto& line : s.header_comment) out << "#" << (line.empty() ? "" : " " + one_line(line)) << "\n";
  out << "name: " << yaml_scalar(s.name) << "\n";
  if (!s.description.empty()) out << "description: " << yaml_scalar(s.description) << "\n";
  out << "seed: " << s.seed << "\nstart_at: " << iso(s.start_at) << "\n";
  // The loader derives the world's seeds from the scenario's unless the world
  // sets its own: write seeds only where that derivation would differ.
  out << "world:\n";
  if (s.world.seed != s.seed) out << "  seed: " << s.world.seed << "\n";
  if (!s.world.providers.empty()) {
    out << "  providers:\n";
    for (size_t i = 0; i < s.world.providers.size(); ++i) emit_provider(out, s, i);
  } else {
    out << "  providers: []\n";
  }
  emit_sinks(out, s.world.sinks, comment_at(s, "world.sinks"));
  // A field with a comment is written even at its default: the comment needs a place.
  bool validate_field = !s.validate_on_start || s.comments.count("router.validate_on_start");
  bool router = !s.env.empty() || !s.config_yaml.empty() || validate_field ||
                s.reminder_interval != Millis(60 * 60'000) || s.replicas != 1;
  if (router) {
    out << "router:\n";
    if (!s.env.empty()) {
      std::string block = yaml_text_block(s.env, 4);
      // The comment goes after the block header (`env: |    # ...`) or the quoted scalar.
      size_t header_end = block.find('\n');
      if (header_end == std::string::npos) out << "  env:" << block << comment_at(s, "router.env") << "\n";
      else out << "  env:" << block.substr(0, header_end) << comment_at(s, "router.env") << block.substr(header_end);
    }
    if (!s.config_yaml.empty()) {
      YAML::Node cfg = YAML::Load(s.config_yaml);
      if (cfg.IsMap() && cfg.size() > 0)
        out << "  config: " << indent_continuations(flow_of(cfg), 4) << comment_at(s, "router.config") << "\n";
    }
    if (validate_field)
      out << "  validate_on_start: " << (s.validate_on_start ? "true" : "false")
          << comment_at(s, "router.validate_on_start") << "\n";
    if (s.reminder_interval != Millis(60 * 60'000)) out << "  reminder_interval: " << yaml_duration(s.reminder_interval) << "\n";
    if (s.replicas != 1) out << "  replicas: " << s.replicas << "\n";
  }
  std::vector<const Event*> events;
  for (const auto& e : s.timeline)
    if (!e.synthetic) events.push_back(&e);
  if (!events.empty()) {
    out << "timeline:\n";
    for (size_t i = 0; i < events.size();) {
      const Event& e = *events[i];
      size_t j = i + 1;
      Millis every{0};
      if (e.kind == Event::Kind::request && j < events.size() && same_request(e, *events[j])) {
        every = events[j]->at - e.at;
        while (j < events.size() && j - i < 100000 && same_request(e, *events[j]) && events[j]->at - events[j - 1]->at == every) ++j;
      }
      out << "  - {at: " << yaml_duration(e.at) << (e.id.empty() ? "" : ", id: " + yaml_scalar(e.id)) << ", "
          << event_body(e, static_cast<int>(j - i), every) << "}" << trailing(e.comment) << "\n";
      i = j;
    }
  }
  if (!s.expectations.empty()) {
    out << "expect:" << comment_at(s, "expect") << "\n";
    for (const auto& x : s.expectations)
      out << "  - " << indent_continuations(flow_of(YAML::Load(x.source)), 4) << trailing(x.comment) << "\n";
  }
  if (!s.checker_opt_outs.empty()) {
    out << "checkers:\n  skip:\n";
    for (const auto& o : s.checker_opt_outs) out << "    " << o.checker << ": " << yaml_scalar(o.reason) << "\n";
  }
  return out.str();
}

}  // namespace keyward::scenarios
