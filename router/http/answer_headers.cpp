#include "router/http/answer_headers.h"

#include <cstdio>

namespace keyward::http {

namespace {

std::string milliseconds_text(MonoTime d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

}  // namespace

std::vector<net::HttpHeader> answer_headers(const RouteOutcome& out, MonoTime overhead) {
  std::vector<net::HttpHeader> h;
  switch (out.kind) {
    case RouteOutcome::Kind::cache:
      h.push_back({"x-keyward-provider", "cache"});
      if (!out.provider.empty()) h.push_back({"x-keyward-cache-provider", out.provider});
      break;
    case RouteOutcome::Kind::emergency:
      h.push_back({"x-keyward-provider", "emergency"});
      break;
    case RouteOutcome::Kind::provider:
    case RouteOutcome::Kind::request_error:
    case RouteOutcome::Kind::stream_failed:
    case RouteOutcome::Kind::cancelled: {  // never sent (the client left); named like the rest
      // The last call is the one whose answer (or refusal) the client gets.
      int key = out.key_index;
      if (key == 0 && !out.attempts.empty()) key = out.attempts.back().key_index;
      h.push_back({"x-keyward-provider", out.provider});
      if (key > 0) h.push_back({"x-keyward-key-id", std::to_string(key)});
      break;
    }
  }
  h.push_back({"x-keyward-attempts", std::to_string(out.attempts.size())});
  h.push_back({"x-keyward-overhead-ms", milliseconds_text(overhead)});
  return h;
}

std::vector<net::HttpHeader> stream_headers(const std::string& provider, int key_index, size_t attempts,
                                            MonoTime overhead) {
  return {{"x-keyward-provider", provider},
          {"x-keyward-key-id", std::to_string(key_index)},
          {"x-keyward-attempts", std::to_string(attempts)},
          {"x-keyward-overhead-ms", milliseconds_text(overhead)}};
}

}  // namespace keyward::http
