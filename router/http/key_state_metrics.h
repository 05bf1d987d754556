#pragma once
// Key and provider states as Prometheus gauges, read from a pool snapshot at
// each scrape (so they are exact, not counted from events):
//
//   keyward_keys{provider, state}          keys per state (healthy, quarantined,
//                                          exhausted, rate_limited, ...)
//   keyward_provider_keys_available{provider}  keys in rotation now: healthy,
//                                          or out with their deadline passed
//   keyward_provider_ejected{provider}     1 while the provider is ejected
//
// Only enabled providers with at least one key appear, so that an alert on
// `keyward_provider_keys_available == 0` means "every key of a configured
// provider is out" and nothing else. Label values come from the
// configuration: bounded.
#include <string>

#include "router/core/chat_router.h"

namespace keyward::http {

std::string key_state_prometheus(const ChatRouter::Snapshot& snapshot);

}  // namespace keyward::http
