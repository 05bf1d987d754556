#pragma once
// The HTTP service as the benchmarks run it: loopback, port 0, no journal
// file, no start-up validation, silent; on the benchmark's clock.
#include <memory>
#include <string>

#include "router/http/service.h"

namespace keyward::bench {

inline std::unique_ptr<http::Service> start_bench_service(RouterConfig config, const Clock& clock) {
  http::ServiceOptions o;
  o.config = std::move(config);
  o.clock = &clock;
  o.listen = "127.0.0.1:0";
  o.journal_path = "";
  o.validate_on_start = false;
  o.log = [](const std::string&) {};
  auto service = std::make_unique<http::Service>(std::move(o));
  std::string error;
  if (!service->start(&error)) return nullptr;
  return service;
}

}  // namespace keyward::bench
