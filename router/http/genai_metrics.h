#pragma once
// OpenTelemetry's GenAI semantic conventions (client metrics, Development
// status) on /metrics, named as OpenTelemetry's Prometheus exporter names
// them (dots become underscores, the unit `s` becomes a `_seconds` suffix,
// `{token}` adds nothing), beside Keyward's own metrics (stats.h):
//
//   gen_ai_client_operation_duration_seconds  histogram, one observation per
//       provider call: gen_ai_operation_name="chat", gen_ai_provider_name,
//       gen_ai_request_model, and error_type on a failed call only
//   gen_ai_client_token_usage  histogram of the answering call's usage, per
//       gen_ai_token_type (input, output); recorded only when the provider
//       reported usage (the spec forbids guessing)
//   keyward_overhead_seconds  histogram {route}: a request's time in the
//       router, i.e. its whole time minus the time its provider calls took
//
// Buckets are the spec's ExplicitBucketBoundaries. Label values are bounded:
// the provider name is one of a few fixed values, the model comes from the
// configuration (never from the client), at most kMaxModels distinct ones,
// later ones fold into "other"; error_type is the classifier's class.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "router/core/chat_router.h"
#include "router/http/prometheus_text.h"

namespace keyward::http {

// gen_ai.provider.name for a configured provider: "gcp.gemini" for the
// Gemini wire, "groq" and "mistral_ai" by name, "openai" for any other
// OpenAI-compatible endpoint.
const char* genai_provider_name(const std::string& provider, WireKind wire);

// The spec's bucket boundaries.
extern const std::array<double, 14> kGenAiDurationBuckets;  // seconds
extern const std::array<double, 14> kGenAiTokenBuckets;     // tokens
extern const std::array<double, 14> kOverheadBuckets;       // seconds

// Time in the router: `total` minus every provider call's latency (never
// negative: a call's latency and the total are read from the same clock, but
// by different threads).
MonoTime router_overhead(const RouteOutcome& out, MonoTime total);

class GenAiMetrics {
 public:
  static constexpr size_t kMaxModels = 32;

  // One finished chat request on `route` ("chat", "openai", "openai_stream"):
  // its provider calls, the answer's usage, and its whole time.
  void record(const char* route, const RouteOutcome& out, MonoTime total);

  // The three metrics as Prometheus text (HELP and TYPE even before the
  // first observation, so dashboards and alert rules find every name).
  std::string prometheus() const;

  using Histogram = PromHistogram;  // per bucket, not cumulative; one more for +Inf
  // For tests: the series of `metric` (one of the names above) with exactly
  // these label values, in the metric's label order; null when never observed.
  const Histogram* find(const std::string& metric, const std::vector<std::string>& labels) const;

 private:
  struct Series {
    const char* name;
    const char* help;
    std::vector<const char*> labels;
    const double* bounds;
    size_t bound_count;
    std::map<std::vector<std::string>, Histogram> rows;
  };
  // Under mu_: the model label value for `model`.
  std::string model_label(const std::string& model);
  static void observe(Series& series, const std::vector<std::string>& labels, double value);

  mutable std::mutex mu_;
  std::set<std::string> models_;  // model label values handed out, at most kMaxModels
  Series duration_{"gen_ai_client_operation_duration_seconds",
                   "GenAI operation duration (OpenTelemetry semantic conventions): one provider call",
                   {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "error_type"},
                   kGenAiDurationBuckets.data(),
                   kGenAiDurationBuckets.size(),
                   {}};
  Series tokens_{"gen_ai_client_token_usage",
                 "Tokens used by the answering provider call, as the provider reported them (OpenTelemetry semantic "
                 "conventions)",
                 {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_token_type"},
                 kGenAiTokenBuckets.data(),
                 kGenAiTokenBuckets.size(),
                 {}};
  Series overhead_{"keyward_overhead_seconds",
                   "Time a request spent in the router itself: its whole time minus its provider calls' time",
                   {"route"},
                   kOverheadBuckets.data(),
                   kOverheadBuckets.size(),
                   {}};
};

}  // namespace keyward::http
