// The incremental SSE parser: any bytes, split anywhere, give the same events
// as one feed, never an event above the bound.
#include <cstdlib>
#include <string>
#include <vector>

#include "router/http/sse.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using keyward::http::SseParser;
  keyward::fuzz::Input in(data, size);
  size_t limit = 16 + in.byte() * 4;
  size_t chunk = 1 + in.byte() % 16;
  std::string bytes = in.rest();

  std::vector<std::string> whole, split;
  SseParser a(limit);
  auto sa = a.feed(bytes, [&](const std::string& d) {
    if (d.size() > limit) std::abort();
    whole.push_back(d);
    return true;
  });
  SseParser b(limit);
  auto sb = SseParser::Status::ok;
  for (size_t i = 0; i < bytes.size() && sb == SseParser::Status::ok; i += chunk) {
    sb = b.feed(std::string_view(bytes).substr(i, chunk), [&](const std::string& d) {
      split.push_back(d);
      return true;
    });
  }
  // Chunking must not change what a complete stream means.
  if (sa == SseParser::Status::ok && sb == SseParser::Status::ok && whole != split) std::abort();
  (void)a.pending();
  return 0;
}
