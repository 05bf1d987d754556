#pragma once
// Prometheus text exposition, shared by the stats table (stats.h) and the
// OpenTelemetry GenAI histograms (genai_metrics.h): label sets, numbers and
// histograms written one way.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace keyward::http {

// A histogram series: a count per bucket (not cumulative; the last one is
// +Inf, past every bound), the count and the sum of what was observed.
struct PromHistogram {
  std::vector<uint64_t> buckets;
  uint64_t count = 0;
  double sum = 0;
  void observe(std::span<const double> bounds, double value);
};

// {name="value",...,extra}, or "" when there is nothing to write. Values are
// escaped; a label whose value is "" is left out (Prometheus reads an empty
// label as an absent one).
std::string prometheus_labels(const std::vector<const char*>& names, const std::vector<std::string>& values,
                              const std::string& extra = "");
// %.9g: bucket bounds and sums without trailing noise.
std::string prometheus_number(double v);
// name_bucket{...,le="b"} cumulative counts, le="+Inf", name_sum and name_count.
void append_prometheus_histogram(std::string& out, const std::string& name, const std::vector<const char*>& names,
                                 const std::vector<std::string>& values, std::span<const double> bounds,
                                 const PromHistogram& h);

}  // namespace keyward::http
