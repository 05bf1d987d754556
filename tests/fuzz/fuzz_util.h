#pragma once
// Shared by the libFuzzer targets: split the input into fields without
// allocating on a fixed format, so any byte string is a valid input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace keyward::fuzz {

// Reads from the front of the input: one byte, or a field up to the next NUL.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  uint8_t byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  std::string field() {
    size_t nul = rest_.find('\0');
    std::string out(rest_.substr(0, nul));
    rest_.remove_prefix(nul == std::string_view::npos ? rest_.size() : nul + 1);
    return out;
  }
  std::string rest() {
    std::string out(rest_);
    rest_ = {};
    return out;
  }

 private:
  std::string_view rest_;
};

}  // namespace keyward::fuzz
