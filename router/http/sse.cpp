#include "router/http/sse.h"

namespace keyward::http {

SseParser::Status SseParser::line_done(const OnEvent& on_event) {
  if (line_.empty()) {
    // A blank line ends the event.
    if (!has_data_) return Status::ok;
    std::string data;
    data.swap(data_);
    has_data_ = false;
    return on_event(data) ? Status::ok : Status::stopped;
  }
  std::string_view line(line_);
  if (line.substr(0, 5) == "data:") {
    auto value = line.substr(5);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (has_data_) data_.push_back('\n');
    data_.append(value);
    has_data_ = true;
  }
  // Comments (":"), event:, id:, retry: carry nothing the router needs.
  line_.clear();
  return Status::ok;
}

SseParser::Status SseParser::feed(std::string_view bytes, const OnEvent& on_event) {
  for (char c : bytes) {
    if (c == '\n' && last_was_cr_) {
      last_was_cr_ = false;  // the LF of a CRLF already ended the line
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      if (auto s = line_done(on_event); s != Status::ok) return s;
      continue;
    }
    if (line_.size() + data_.size() >= max_event_bytes_) return Status::too_large;
    line_.push_back(c);
  }
  return Status::ok;
}

}  // namespace keyward::http
