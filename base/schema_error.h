#pragma once
// The one error type of every file reader (keyward.yaml, world and scenario
// files): "file:line: field.path: message". Apart from the YAML reader so
// that headers can name it without pulling in yaml-cpp.
#include <stdexcept>
#include <string>

namespace keyward {

// A file that does not read as its schema says. `path` is the dotted field
// path, or a label for the whole file: "(root)", "(syntax)" for YAML syntax,
// "(file)" for an unreadable file, "(document)" for shapes check_yaml_shape()
// refuses. Line 0: not tied to a line.
class SchemaError : public std::runtime_error {
 public:
  SchemaError(std::string file, int line, std::string path, std::string message);
  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  std::string path_;
  std::string message_;
};

}  // namespace keyward
