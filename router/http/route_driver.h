#pragma once
// Runs one request's RouteSession without holding a thread: each provider call
// goes out through an asynchronous ProviderTransport and the request resumes
// when it completes; a request that must wait for another request's probe
// (routing.h) is parked as a continuation, resumed by the router's wake-up or
// by a timer. Everything a request does runs on its Executor — the event loop
// of its client connection — one step at a time.
#include <functional>
#include <memory>

#include "router/core/chat_router.h"
#include "router/core/transport.h"
#include "router/net/executor.h"

namespace keyward::http {

// The request's end; runs once, on the executor.
using RouteDone = std::function<void(RouteOutcome outcome)>;

// Starts routing `request`. `sink` (null: not streamed) receives the deltas of
// a streamed answer on the transport's thread. `router`, `transport` and
// `executor` must outlive the request; `done` is the last thing it does.
void route_async(ChatRouter& router, ProviderTransport& transport, net::Executor& executor, ChatRequest request,
                 std::shared_ptr<StreamSink> sink, RouteDone done);

}  // namespace keyward::http
