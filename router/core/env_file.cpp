#include "router/core/env_file.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "base/utc_time.h"

namespace keyward {

namespace {

bool valid_name(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Parses the value part; returns an error message or "" on success.
std::string parse_value(std::string_view raw, std::string* out) {
  raw = trim(raw);
  out->clear();
  if (raw.empty()) return "";
  char q = raw.front();
  if (q == '"' || q == '\'') {
    size_t i = 1;
    for (; i < raw.size(); ++i) {
      char c = raw[i];
      if (c == q) break;
      if (q == '"' && c == '\\' && i + 1 < raw.size()) {
        char n = raw[++i];
        out->push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n == 'r' ? '\r' : n);
      } else {
        out->push_back(c);
      }
    }
    if (i >= raw.size()) return std::string("unterminated ") + (q == '"' ? "double" : "single") + " quote";
    auto rest = trim(raw.substr(i + 1));
    if (!rest.empty() && rest.front() != '#') return "unexpected text after the closing quote";
    return "";
  }
  // Unquoted: an inline comment starts at " #".
  auto hash = raw.find(" #");
  *out = std::string(trim(hash == std::string_view::npos ? raw : raw.substr(0, hash)));
  if (out->find_first_of("\"'") == 0) return "stray quote";
  return "";
}

}  // namespace

EnvParseResult parse_env(std::string_view text, const std::string& source) {
  EnvParseResult r;
  int line_no = 0;
  size_t pos = 0;
  // Skip a UTF-8 byte-order mark, as editors on some platforms write one.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = trim(text.substr(pos, end - pos));
    ++line_no;
    pos = end + 1;
    if (line.empty() || line.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      r.diagnostics.push_back({source, line_no, "expected NAME=value, found no '='"});
    } else {
      auto name = trim(line.substr(0, eq));
      std::string value;
      if (!valid_name(name)) {
        r.diagnostics.push_back({source, line_no, "'" + std::string(name.substr(0, 40)) +
                                                      "' is not a valid variable name"});
      } else if (auto err = parse_value(line.substr(eq + 1), &value); !err.empty()) {
        r.diagnostics.push_back({source, line_no, std::string(name) + ": " + err});
      } else {
        if (r.entries.count(std::string(name))) {
          r.diagnostics.push_back({source, line_no, std::string(name) + " is set again; the later value wins"});
        }
        r.entries[std::string(name)] = EnvEntry{value, source, line_no};
      }
    }
    if (end == text.size()) break;
  }
  return r;
}

EnvMap merge_env(const EnvMap& dotenv, const EnvMap& process_env) {
  EnvMap merged = dotenv;
  for (const auto& [k, v] : process_env) merged[k] = v;
  return merged;
}

std::vector<Diagnostic> apply_env(RouterConfig& config, const EnvMap& dotenv, const EnvMap& process_env) {
  std::vector<Diagnostic> diags;
  EnvMap env = merge_env(dotenv, process_env);
  for (auto& p : config.providers) {
    const std::string& prefix = p.env_prefix;
    if (auto it = env.find(prefix + "_BASE_URL"); it != env.end() && !it->second.value.empty())
      p.base_url = it->second.value;
    if (auto it = env.find(prefix + "_MODEL"); it != env.end() && !it->second.value.empty())
      p.model = it->second.value;
    // Numbered keys: PREFIX_API_KEY_<N>; a bare PREFIX_API_KEY counts as key 1.
    const std::string key_prefix = prefix + "_API_KEY_";
    std::map<int, const std::pair<const std::string, EnvEntry>*> numbered;
    for (const auto& kv : env) {
      const std::string& name = kv.first;
      if (name.compare(0, key_prefix.size(), key_prefix) != 0) continue;
      std::string rest = name.substr(key_prefix.size());
      if (rest.empty() || rest.size() > 4 ||
          !std::all_of(rest.begin(), rest.end(), [](unsigned char c) { return std::isdigit(c); })) {
        continue;  // e.g. GROQ_API_KEY_1_EXPIRES
      }
      int n = std::stoi(rest);
      if (n < 1) {
        diags.push_back({kv.second.source, kv.second.line, name + ": key numbers start at 1"});
        continue;
      }
      numbered[n] = &kv;
    }
    if (auto bare = env.find(prefix + "_API_KEY"); bare != env.end() && !numbered.count(1)) numbered[1] = &*bare;
    p.keys.clear();
    int expected = 1;
    for (const auto& [n, kv] : numbered) {
      const auto& [name, entry] = *kv;
      if (n != expected) {
        diags.push_back({entry.source, entry.line,
                         name + ": numbering has a gap (" + prefix + "_API_KEY_" + std::to_string(expected) +
                             (n - 1 > expected ? ".." + std::to_string(n - 1) : "") + " missing)"});
      }
      expected = n + 1;
      if (entry.value.empty()) {
        diags.push_back({entry.source, entry.line, name + " is empty; key skipped"});
        continue;
      }
      KeyConfig k;
      k.index = n;
      k.env_name = name;
      k.secret = entry.value;
      if (auto w = config.routing.key_weights.find(p.name); w != config.routing.key_weights.end())
        if (auto kw = w->second.find(n); kw != w->second.end()) k.weight = kw->second;
      if (auto ex = env.find(name + "_EXPIRES"); ex != env.end()) {
        WallTime t;
        if (ex->second.value.size() == 10 && parse_iso8601(ex->second.value, &t)) {
          k.expires = t;
        } else {
          diags.push_back({ex->second.source, ex->second.line,
                           ex->first + ": expected a date YYYY-MM-DD, got '" + ex->second.value.substr(0, 40) + "'"});
        }
      }
      p.keys.push_back(std::move(k));
    }
  }
  return diags;
}

}  // namespace keyward
