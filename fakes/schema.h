#pragma once
// Strict YAML reading for the world schema: every error names file:line and the
// field's path, and unknown fields are errors (a typo must not silently become
// a default).
#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <stdexcept>
#include <string>

namespace keyward::fakes {

class SchemaError : public std::runtime_error {
 public:
  SchemaError(std::string file, int line, std::string path, const std::string& message)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + path + ": " + message),
        file_(std::move(file)), line_(line), path_(std::move(path)) {}
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  std::string file_;
  int line_;
  std::string path_;
};

// A node together with where it came from, for error messages.
struct Field {
  YAML::Node node;
  std::string file;
  std::string path;  // e.g. "providers[0].keys.sk-good-1"

  int line() const { return node.Mark().line + 1; }
  [[noreturn]] void fail(const std::string& message) const {
    throw SchemaError(file, line(), path, message);
  }
  Field child(const std::string& key) const {
    return Field{node[key], file, path.empty() ? key : path + "." + key};
  }
  Field at(std::size_t i) const {
    return Field{node[i], file, path + "[" + std::to_string(i) + "]"};
  }
  bool has(const std::string& key) const { return node.IsMap() && node[key].IsDefined(); }

  void require_map() const {
    if (!node.IsMap()) fail("expected a mapping");
  }
  void require_sequence() const {
    if (!node.IsSequence()) fail("expected a list");
  }
  // Rejects any key not in `allowed`.
  void only(std::initializer_list<const char*> allowed) const {
    require_map();
    for (const auto& kv : node) {
      auto key = kv.first.as<std::string>();
      bool ok = false;
      for (const char* a : allowed) ok = ok || key == a;
      if (!ok) {
        Field{kv.first, file, path.empty() ? key : path + "." + key}.fail(
            "unknown field '" + key + "'");
      }
    }
  }
  template <typename T>
  T as(const char* type_name) const {
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      fail(std::string("expected ") + type_name);
    }
  }
  std::string str() const {
    if (!node.IsScalar()) fail("expected a string");
    return node.Scalar();
  }
};

}  // namespace keyward::fakes
