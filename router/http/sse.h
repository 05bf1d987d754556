#pragma once
// Incremental Server-Sent Events parser: bytes in, one callback per complete
// event with its `data:` lines joined. Handles LF, CRLF and CR line endings
// (OpenAI frames end with LF LF, Google's with CRLF CRLF). Bounded: an event
// larger than the limit is an error, not an unbounded buffer.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace keyward::http {

class SseParser {
 public:
  using OnEvent = std::function<bool(const std::string& data)>;  // false: stop
  explicit SseParser(size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

  enum class Status { ok, stopped, too_large };
  Status feed(std::string_view bytes, const OnEvent& on_event);
  // True when bytes of an unfinished event are buffered (a cut stream).
  bool pending() const { return !line_.empty() || has_data_; }

 private:
  Status line_done(const OnEvent& on_event);
  size_t max_event_bytes_;
  std::string line_;
  std::string data_;
  bool has_data_ = false;
  bool last_was_cr_ = false;
};

}  // namespace keyward::http
