// The public listener's request parser (router/net/http_request_parser.*):
// any bytes, split anywhere, give the same requests and the same refusal as
// one feed, and no limit is ever exceeded (ASan/UBSan see every path through
// Beast's parser and our checks around it).
#include <cstdlib>
#include <string>
#include <vector>

#include "router/net/http_request_parser.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using keyward::net::RequestLimits;
using keyward::net::RequestParser;

struct Parsed {
  std::vector<std::string> requests;  // method, target, headers, body of each
  bool refused = false;
  keyward::net::Refusal refusal{};
};

// Parses requests one after the other, as the listener does on a
// connection: unconsumed bytes stay in front of the next piece.
Parsed parse(const std::string& bytes, size_t chunk, const RequestLimits& limits) {
  Parsed out;
  RequestParser p(limits);
  std::string buffer;
  size_t pos = 0;
  for (;;) {
    if (p.state() == RequestParser::State::done) {
      const auto& r = p.request();
      if (r.body.size() > limits.body_limit || r.headers.size() > limits.max_headers || r.method.empty()) std::abort();
      std::string text = r.method + " " + r.target + " " + std::to_string(r.version) + "\n";
      for (const auto& h : r.headers) text += h.name + ": " + h.value + "\n";
      out.requests.push_back(text + "\n" + r.body);
      p.reset();
      continue;
    }
    if (p.state() == RequestParser::State::error) {
      out.refused = true;
      out.refusal = p.refusal().kind;
      return out;
    }
    if (!buffer.empty()) {
      size_t used = p.feed(buffer);
      if (used > buffer.size()) std::abort();
      buffer.erase(0, used);
      if (used > 0 || p.state() == RequestParser::State::done || p.state() == RequestParser::State::error) continue;
    }
    if (pos >= bytes.size()) return out;
    size_t n = std::min(chunk, bytes.size() - pos);
    buffer.append(bytes, pos, n);
    pos += n;
    // What waits unparsed stays bounded: a head, or an unfinished chunk line.
    if (buffer.size() > limits.max_head_bytes + chunk) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keyward::fuzz::Input in(data, size);
  size_t chunk = 1 + in.byte() % 64;
  RequestLimits limits{static_cast<size_t>(64 + in.byte() * 4), static_cast<size_t>(1 + in.byte() % 16),
                       static_cast<size_t>(in.byte() * 16)};
  std::string bytes = in.rest();
  Parsed whole = parse(bytes, bytes.size() + 1, limits);
  Parsed split = parse(bytes, chunk, limits);
  if (whole.requests != split.requests || whole.refused != split.refused ||
      (whole.refused && whole.refusal != split.refusal))
    std::abort();
  return 0;
}
