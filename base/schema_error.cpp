#include "base/schema_error.h"

namespace keyward {

SchemaError::SchemaError(std::string file, int line, std::string path, std::string message)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + path + ": " + message),
      file_(std::move(file)),
      line_(line),
      path_(std::move(path)),
      message_(std::move(message)) {}

}  // namespace keyward
