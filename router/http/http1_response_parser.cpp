#include "router/http/http1_response_parser.h"

#include <algorithm>
#include <cstring>

namespace keyward::http {

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

// Case-insensitive: does the comma-separated list contain `token`?
bool list_has(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = trim(list.substr(0, comma));
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(), [](char a, char b) { return lower(a) == b; }))
      return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The last item of a comma-separated list, lower-cased.
std::string last_item(std::string_view list) {
  size_t comma = list.rfind(',');
  std::string_view item = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
  std::string out(item);
  for (char& c : out) c = lower(c);
  return out;
}

// Index just past the blank line that ends the head, searching from `from`;
// npos when there is none yet. Bare LF line ends are accepted (RFC 9112 §2.2).
size_t find_head_end(const std::string& s, size_t from) {
  for (size_t i = s.find('\n', from); i != std::string::npos; i = s.find('\n', i + 1)) {
    if (i + 1 < s.size() && s[i + 1] == '\n') return i + 2;
    if (i + 2 < s.size() && s[i + 1] == '\r' && s[i + 2] == '\n') return i + 3;
  }
  return std::string::npos;
}

}  // namespace

Http1ResponseParser::Status Http1ResponseParser::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
  return Status::malformed;
}

Http1ResponseParser::Status Http1ResponseParser::stop() {
  state_ = State::failed;
  error_ = "stopped by the body sink";
  return Status::stopped;
}

bool Http1ResponseParser::reusable() const {
  return state_ == State::done && http11_ && !connection_close_ && leftover_ == 0;
}

bool Http1ResponseParser::parse_head() {
  std::string_view rest(head_);
  auto next_line = [&rest]() {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };
  std::string_view status_line = next_line();
  // "HTTP/1.1 401 Unauthorized": version, a space, three digits, then a space or the end.
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." ||
      (status_line[7] != '0' && status_line[7] != '1') || status_line[8] != ' ' ||
      !std::all_of(status_line.begin() + 9, status_line.begin() + 12, [](char c) { return c >= '0' && c <= '9'; }) ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    error_ = "not an HTTP/1.x status line";
    return false;
  }
  http11_ = status_line[7] == '1';
  status_ = (status_line[9] - '0') * 100 + (status_line[10] - '0') * 10 + (status_line[11] - '0');
  if (status_ < 100) {
    error_ = "status code below 100";
    return false;
  }

  headers_.clear();
  bool chunked = false, has_te = false, has_length = false;
  uint64_t length = 0;
  connection_close_ = false;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    if (line.front() == ' ' || line.front() == '\t') {
      error_ = "obsolete header line folding";
      return false;
    }
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos ||
        !std::all_of(line.begin(), line.begin() + colon, is_token_char)) {
      error_ = "malformed header line";
      return false;
    }
    std::string name(line.substr(0, colon));
    for (char& c : name) c = lower(c);
    std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      uint64_t v = 0;
      if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        error_ = "invalid Content-Length";
        return false;
      }
      for (char c : value) v = v * 10 + static_cast<uint64_t>(c - '0');
      if (has_length && v != length) {
        error_ = "conflicting Content-Length headers";
        return false;
      }
      has_length = true;
      length = v;
    } else if (name == "transfer-encoding") {
      has_te = true;
      chunked = last_item(value) == "chunked";
    } else if (name == "connection") {
      connection_close_ = connection_close_ || list_has(value, "close");
    }
    headers_.emplace_back(std::move(name), std::string(value));
  }

  if (status_ < 200) {
    if (status_ == 101) {
      error_ = "unexpected 101 Switching Protocols";
      return false;
    }
    return true;  // interim (100 Continue, 103 Early Hints): the caller reads the next head
  }
  head_complete_ = true;
  if (status_ == 204 || status_ == 304) {
    state_ = State::done;
  } else if (has_te) {
    // A coding other than a final chunked cannot be framed: read to the end.
    state_ = chunked ? State::chunk_size : State::until_close;
  } else if (has_length) {
    remaining_ = length;
    state_ = length == 0 ? State::done : State::length_body;
  } else {
    state_ = State::until_close;
  }
  if (state_ == State::until_close) connection_close_ = true;
  return true;
}

Http1ResponseParser::Status Http1ResponseParser::feed(std::string_view data, const BodySink& sink) {
  while (state_ == State::head) {
    if (data.empty()) return Status::more;
    const size_t take = std::min(data.size(), limits_.max_head_bytes - head_.size());
    head_.append(data.data(), take);
    const size_t end = find_head_end(head_, head_scan_ >= 2 ? head_scan_ - 2 : 0);
    if (end == std::string::npos) {
      head_scan_ = head_.size();
      if (head_.size() >= limits_.max_head_bytes)
        return fail("response head larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
      return Status::more;
    }
    const size_t excess = head_.size() - end;  // bytes past the head: the body's start
    head_.resize(end);
    data.remove_prefix(take - excess);
    if (!parse_head()) {  // parse_head said why in error_
      state_ = State::failed;
      return Status::malformed;
    }
    head_.clear();
    head_scan_ = 0;
    if (status_ < 200) headers_.clear();  // an interim response: the final one follows
  }
  return feed_body(data, sink);
}

Http1ResponseParser::Status Http1ResponseParser::feed_body(std::string_view& data, const BodySink& sink) {
  auto emit = [&](size_t n) {
    bool go_on = sink(data.data(), n);
    data.remove_prefix(n);
    return go_on;
  };
  // Appends data up to and including the next '\n' to line_; true once a line is whole.
  auto take_line = [&]() {
    size_t nl = data.find('\n');
    size_t n = nl == std::string_view::npos ? data.size() : nl + 1;
    line_.append(data.data(), n);
    data.remove_prefix(n);
    return nl != std::string_view::npos;
  };
  while (true) {
    switch (state_) {
      case State::head:
        return Status::more;  // not reached: feed() parses the head first
      case State::failed:
        return Status::malformed;
      case State::done:
        leftover_ += data.size();
        return Status::complete;
      case State::until_close:
        if (!data.empty() && !emit(data.size())) return stop();
        return Status::more;
      case State::length_body:
      case State::chunk_data: {
        if (data.empty()) return Status::more;
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, data.size()));
        remaining_ -= n;
        if (!emit(n)) return stop();
        if (remaining_ == 0) state_ = state_ == State::length_body ? State::done : State::chunk_data_end;
        break;
      }
      case State::chunk_size:
      case State::chunk_data_end:
      case State::trailers: {
        if (data.empty()) return Status::more;
        const bool whole = take_line();
        if (line_.size() > limits_.max_line_bytes) return fail("chunk framing line or trailers too long");
        if (!whole) return Status::more;
        std::string_view line(line_);
        if (state_ == State::trailers) {
          // Trailers end with an empty line; they are read and dropped.
          if (line == "\n" || line == "\r\n" || line.ends_with("\n\n") || line.ends_with("\n\r\n")) state_ = State::done;
          break;
        }
        line.remove_suffix(1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (state_ == State::chunk_data_end) {
          if (!line.empty()) return fail("chunk data longer than its size");
          line_.clear();
          state_ = State::chunk_size;
          break;
        }
        uint64_t size = 0;
        size_t digits = 0;
        for (; digits < line.size(); ++digits) {
          char c = lower(line[digits]);
          int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
          if (v < 0) break;
          if (digits == 15) return fail("chunk size too large");
          size = size * 16 + static_cast<uint64_t>(v);
        }
        std::string_view after = trim(line.substr(digits));
        if (digits == 0 || (!after.empty() && after.front() != ';')) return fail("invalid chunk size line");
        line_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::trailers : State::chunk_data;
        break;
      }
    }
  }
}

Http1ResponseParser::Status Http1ResponseParser::finish() {
  if (state_ == State::until_close) state_ = State::done;
  if (state_ == State::done) return Status::complete;
  if (state_ == State::failed) return Status::malformed;
  return Status::more;
}

}  // namespace keyward::http
