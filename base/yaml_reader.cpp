#include "base/yaml_reader.h"

#include "base/durations.h"

namespace keyward {

void YamlField::fail(const std::string& message) const {
  throw SchemaError(file, line(), path.empty() ? "(root)" : path, message);
}

YamlField YamlField::child(const std::string& key) const { return YamlField{node[key], file, child_path(key)}; }

YamlField YamlField::at(size_t i) const { return YamlField{node[i], file, path + "[" + std::to_string(i) + "]"}; }

void YamlField::require_map() const {
  if (!node.IsMap()) fail("expected a mapping");
}

void YamlField::require_sequence() const {
  if (!node.IsSequence()) fail("expected a list");
}

void YamlField::only(std::initializer_list<const char*> allowed) const {
  require_map();
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) YamlField{kv.first, file, path}.fail("a field name must be a plain string");
    const std::string& key = kv.first.Scalar();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) YamlField{kv.first, file, child_path(key)}.fail("unknown field '" + key + "'");
  }
}

std::string YamlField::str() const {
  if (!node.IsScalar()) fail("expected a string");
  return node.Scalar();
}

int64_t YamlField::integer(int64_t min, int64_t max) const {
  if (!node.IsScalar()) fail("expected an integer");
  const std::string& s = node.Scalar();
  int64_t v = 0;
  try {
    size_t used = 0;
    v = std::stoll(s, &used);
    if (used != s.size()) throw std::invalid_argument("trailing characters");
  } catch (const std::logic_error&) {
    fail("expected an integer, got '" + s + "'");
  }
  if (v < min || v > max) fail("must be between " + std::to_string(min) + " and " + std::to_string(max));
  return v;
}

bool YamlField::boolean() const {
  if (!node.IsScalar()) fail("expected true or false");
  // YAML 1.1's words in its three spellings (true, True, TRUE), as yaml-cpp
  // reads them; not its single letters y and n, too easy to write by accident.
  static const char* const kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const char* const kFalse[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  const auto& s = node.Scalar();
  for (const char* t : kTrue)
    if (s == t) return true;
  for (const char* f : kFalse)
    if (s == f) return false;
  fail("expected true or false, got '" + s + "'");
}

Millis YamlField::duration() const {
  Millis d{};
  if (!node.IsScalar() || !parse_duration(node.Scalar(), &d)) fail("expected a duration such as 250ms, 10s, 5m or 1h");
  return d;
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  try {
    return YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    throw SchemaError(file, e.mark.line + 1, "(syntax)", e.msg);
  }
}

void check_yaml_shape(const YAML::Node& root, const std::string& file) {
  constexpr int kMaxDepth = 64;
  size_t budget = 100'000;
  auto fail = [&](const YAML::Node& n, const std::string& msg) {
    throw SchemaError(file, n.Mark().line + 1, "(document)", msg);
  };
  auto walk = [&](auto& self, const YAML::Node& n, int depth) -> void {
    if (depth > kMaxDepth)
      fail(n, "nested deeper than " + std::to_string(kMaxDepth) + " levels (or an anchor that contains itself)");
    if (budget-- == 0) fail(n, "more than 100000 nodes (aliases expanding?)");
    if (n.IsSequence()) {
      for (const auto& item : n) self(self, item, depth + 1);
    } else if (n.IsMap()) {
      for (const auto& kv : n) {
        if (!kv.first.IsScalar()) fail(kv.first, "a field name must be a plain string");
        self(self, kv.second, depth + 1);
      }
    }
  };
  walk(walk, root, 0);
}

}  // namespace keyward
