#pragma once
// The x-keyward-* headers of a chat answer (POST /api/ai/chat and
// POST /v1/chat/completions, streamed or not), for clients and proxies that
// want to know who answered without parsing the body:
//
//   x-keyward-provider     the provider that answered ("groq"), or "cache"
//                          (an earlier answer, served while every provider
//                          failed) or "emergency" (the honest emergency answer)
//   x-keyward-key-id       the index of the key that answered (the N of
//                          GROQ_API_KEY_N; never the key); absent for cache
//                          and emergency answers
//   x-keyward-cache-provider  cache answers only: the provider that gave the
//                          cached answer originally
//   x-keyward-attempts     provider calls this request made
//   x-keyward-overhead-ms  time spent in the router itself, provider calls
//                          excluded (milliseconds, three decimals)
//
// A stream's headers leave with its first byte: they say who is streaming,
// with the calls and the router's time up to then.
#include <string>
#include <vector>

#include "base/clock.h"
#include "router/core/chat_router.h"
#include "router/net/http_message.h"

namespace keyward::http {

// The headers of a finished request; `overhead` from router_overhead().
std::vector<net::HttpHeader> answer_headers(const RouteOutcome& out, MonoTime overhead);
// The headers of a stream that starts now, from `provider`'s key `key_index`.
std::vector<net::HttpHeader> stream_headers(const std::string& provider, int key_index, size_t attempts,
                                            MonoTime overhead);

}  // namespace keyward::http
