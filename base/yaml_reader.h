#pragma once
// The strict YAML reader of every file Keyward reads: keyward.yaml (router and
// alerts sections), world files, scenario files. Strict means unknown fields
// are errors (a typo must never silently become a default) and every error
// names where: "file:line: field.path: message", e.g.
//   keyward.yaml:3: timeouts.reqest: unknown field 'reqest'
//   s.yaml:6: timeline[0].request.mesage: unknown field 'mesage'
// Exceptions are used only while loading files, never on the request path.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>

#include "base/clock.h"
#include "base/schema_error.h"

namespace keyward {

// A node together with where it came from. Every accessor either returns a
// value of the asked type or throws SchemaError naming this field.
struct YamlField {
  YAML::Node node;
  std::string file;
  std::string path;  // "" for the document root; e.g. "providers[0].keys.sk-good-1"

  int line() const { return node.Mark().line + 1; }
  [[noreturn]] void fail(const std::string& message) const;

  YamlField child(const std::string& key) const;  // node[key], path "parent.key"
  YamlField at(size_t i) const;                   // node[i], path "parent[i]"
  bool has(const std::string& key) const { return node.IsMap() && node[key].IsDefined(); }

  void require_map() const;
  void require_sequence() const;
  // Rejects any field name not in `allowed` (and names that are not plain strings).
  void only(std::initializer_list<const char*> allowed) const;
  // only(allowed), then fn(name, field) for every field in file order.
  template <typename Fn>
  void each_field(std::initializer_list<const char*> allowed, Fn fn) const {
    only(allowed);
    for (const auto& kv : node) {
      auto key = kv.first.Scalar();
      fn(key, YamlField{kv.second, file, child_path(key)});
    }
  }

  // fn(key, field) for every entry of a mapping whose keys are data, not
  // field names (provider names, key indexes): any key is accepted.
  template <typename Fn>
  void each_entry(Fn fn) const {
    require_map();
    for (const auto& kv : node) {
      if (!kv.first.IsScalar()) YamlField{kv.first, file, path}.fail("a key must be a plain string");
      auto key = kv.first.Scalar();
      fn(key, YamlField{kv.second, file, child_path(key)});
    }
  }

  // yaml-cpp's conversion to T; "expected <type_name>" when it fails.
  template <typename T>
  T as(const char* type_name) const {
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(std::string("expected ") + type_name);
    }
  }
  std::string str() const;                          // a scalar
  int64_t integer(int64_t min, int64_t max) const;  // decimal, within [min, max]
  bool boolean() const;                             // true/yes/on, false/no/off (also True, TRUE, ...)
  Millis duration() const;                          // parse_duration(): 250ms, 10s, 5m, 1h30m

  std::string child_path(const std::string& key) const { return path.empty() ? key : path + "." + key; }
};

// Parses YAML text; a syntax error becomes a SchemaError at its line with
// the path "(syntax)".
YAML::Node parse_yaml(const std::string& text, const std::string& file);

// Rejects YAML shapes no reader expects, before any field is read: a map key
// that is not a plain string (`? [a]: b`), nesting deeper than 64 levels (also
// an anchor that contains itself: `&a [*a]`), more than 100 000 nodes reached
// through aliases (an alias bomb). Throws SchemaError naming file:line.
void check_yaml_shape(const YAML::Node& root, const std::string& file);

}  // namespace keyward
