#include "router/http/genai_metrics.h"

namespace keyward::http {

// gen_ai.client.operation.duration and gen_ai.client.token.usage: the
// ExplicitBucketBoundaries the semantic conventions specify.
const std::array<double, 14> kGenAiDurationBuckets{0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                                   1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
const std::array<double, 14> kGenAiTokenBuckets{1,     4,     16,     64,      256,     1024,     4096,
                                                16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
// The router's own time is usually well under a millisecond; a request that
// waited for another request's probe of a doubtful key spends seconds here.
const std::array<double, 14> kOverheadBuckets{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                              0.01,    0.025,  0.05,    0.1,    0.25,  1.0,    5.0};

namespace {

constexpr const char* kOperation = "chat";
constexpr const char* kOtherModel = "other";

double seconds(MonoTime d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

const char* genai_provider_name(const std::string& provider, WireKind wire) {
  if (wire == WireKind::gemini) return "gcp.gemini";
  if (provider == "groq") return "groq";
  if (provider == "mistral") return "mistral_ai";
  return "openai";
}

MonoTime router_overhead(const RouteOutcome& out, MonoTime total) {
  MonoTime provider_time{0};
  for (const auto& a : out.attempts) provider_time += a.latency;
  return total > provider_time ? total - provider_time : MonoTime{0};
}

std::string GenAiMetrics::model_label(const std::string& model) {
  if (models_.count(model)) return model;
  if (models_.size() >= kMaxModels) return kOtherModel;
  models_.insert(model);
  return model;
}

void GenAiMetrics::observe(Series& series, const std::vector<std::string>& labels, double value) {
  series.rows[labels].observe({series.bounds, series.bound_count}, value);
}

void GenAiMetrics::record(const char* route, const RouteOutcome& out, MonoTime total) {
  std::lock_guard lock(mu_);
  for (const auto& a : out.attempts) {
    std::string error_type = a.cls == ErrorClass::ok ? "" : to_string(a.cls);  // "": no label
    observe(duration_, {kOperation, genai_provider_name(a.provider, a.wire), model_label(a.model), error_type},
            seconds(a.latency));
  }
  // Usage belongs to the call that answered: the last one, when a provider answered.
  const int input = out.answer.prompt_tokens, output = out.answer.completion_tokens;
  if (out.kind == RouteOutcome::Kind::provider && !out.attempts.empty() && (input > 0 || output > 0)) {
    const AttemptRecord& a = out.attempts.back();
    std::string provider = genai_provider_name(a.provider, a.wire);
    std::string model = model_label(a.model);
    observe(tokens_, {kOperation, provider, model, "input"}, input);
    observe(tokens_, {kOperation, provider, model, "output"}, output);
  }
  observe(overhead_, {route}, seconds(router_overhead(out, total)));
}

const GenAiMetrics::Histogram* GenAiMetrics::find(const std::string& metric,
                                                  const std::vector<std::string>& labels) const {
  std::lock_guard lock(mu_);
  for (const Series* s : {&duration_, &tokens_, &overhead_}) {
    if (metric != s->name) continue;
    auto it = s->rows.find(labels);
    return it == s->rows.end() ? nullptr : &it->second;
  }
  return nullptr;
}

std::string GenAiMetrics::prometheus() const {
  std::lock_guard lock(mu_);
  std::string out;
  for (const Series* s : {&duration_, &tokens_, &overhead_}) {
    std::string name = s->name;
    out += "# HELP " + name + " " + s->help + "\n";
    out += "# TYPE " + name + " histogram\n";
    for (const auto& [labels, h] : s->rows)
      append_prometheus_histogram(out, name, s->labels, labels, {s->bounds, s->bound_count}, h);
  }
  return out;
}

}  // namespace keyward::http
