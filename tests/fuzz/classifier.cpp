// The provider response classifier: any status, headers and body classify
// without throwing; waits and messages stay bounded.
#include <cstdlib>
#include <string>

#include "base/durations.h"
#include "base/utc_time.h"
#include "router/core/classifier.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  keyward::fuzz::Input in(data, size);
  uint8_t mode = in.byte();
  keyward::AttemptResult r;
  r.transport = static_cast<keyward::TransportError>(in.byte() % 9);
  if (mode & 0x80) r.transport = keyward::TransportError::none;
  static const int kStatuses[] = {200, 400, 401, 403, 404, 408, 413, 429, 500, 502, 503, 504, 0, 299, 599};
  r.status = kStatuses[in.byte() % (sizeof kStatuses / sizeof kStatuses[0])];
  int headers = in.byte() % 4;
  for (int i = 0; i < headers; ++i) {
    std::string name = in.field();
    r.headers.emplace_back(name, in.field());
  }
  if (mode & 0x40) r.headers.emplace_back("retry-after", in.field());
  r.body = in.rest();
  keyward::WallTime now;
  keyward::parse_iso8601("2025-11-18T08:00:00Z", &now);
  auto c = keyward::classify(r, now);
  (void)keyward::to_string(c.cls);
  (void)keyward::policy_for(c.cls);
  if (c.message.size() > r.body.size() + 4096) std::abort();  // the message is bounded by what came in
  (void)keyward::advertised_wait(r, r.body);
  (void)keyward::parse_go_duration(r.body.substr(0, 64));
  return 0;
}
