// The provider-side HTTP/1.1 response parser: any bytes, split anywhere, give
// the same verdict, status, headers and body as one feed (and ASan/UBSan see
// every path through the framing code).
#include <algorithm>
#include <cstdlib>
#include <string>

#include "router/http/http1_response_parser.h"
#include "tests/fuzz/fuzz_util.h"

namespace {

using keyward::http::Http1ResponseParser;

struct Outcome {
  Http1ResponseParser::Status status;
  int code;
  keyward::Headers headers;
  std::string body;
  bool reusable;
};

Outcome parse(const std::string& bytes, size_t chunk, size_t stop_after) {
  Http1ResponseParser::Limits limits{256, 64};
  Http1ResponseParser p(limits);
  Outcome o{Http1ResponseParser::Status::more, 0, {}, {}, false};
  // Takes bytes up to `stop_after` in all, then stops the parser: the same
  // byte count whatever the pieces.
  auto sink = [&](const char* d, size_t n) {
    o.body.append(d, std::min(n, stop_after - o.body.size()));
    return o.body.size() < stop_after;
  };
  // Bytes after a complete response are fed too: they must count as leftover
  // (the connection is not reused) however the input was split.
  for (size_t i = 0; i < bytes.size() && (o.status == Http1ResponseParser::Status::more ||
                                          o.status == Http1ResponseParser::Status::complete);
       i += chunk)
    o.status = p.feed(std::string_view(bytes).substr(i, chunk), sink);
  if (o.status == Http1ResponseParser::Status::more) o.status = p.finish();
  o.code = p.status();
  o.headers = p.headers();
  o.reusable = p.reusable();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keyward::fuzz::Input in(data, size);
  size_t chunk = 1 + in.byte() % 32;
  size_t stop_after = in.byte() == 0 ? 1 << 20 : 64;
  std::string bytes = in.rest();
  Outcome whole = parse(bytes, bytes.size() + 1, stop_after);
  Outcome split = parse(bytes, chunk, stop_after);
  if (whole.status != split.status || whole.code != split.code || whole.headers != split.headers ||
      whole.body != split.body || whole.reusable != split.reusable)
    std::abort();
  return 0;
}
