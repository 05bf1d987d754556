#include "router/http/prometheus_text.h"

#include <cstdio>

#include "base/escape.h"

namespace keyward::http {

void PromHistogram::observe(std::span<const double> bounds, double value) {
  if (buckets.empty()) buckets.assign(bounds.size() + 1, 0);
  size_t b = 0;
  while (b < bounds.size() && value > bounds[b]) ++b;
  ++buckets[b];
  ++count;
  sum += value;
}

std::string prometheus_labels(const std::vector<const char*>& names, const std::vector<std::string>& values,
                              const std::string& extra) {
  std::string s;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (values[i].empty()) continue;
    if (!s.empty()) s += ',';
    s += std::string(names[i]) + "=\"" + prometheus_label_escape(values[i]) + "\"";
  }
  if (!extra.empty()) s += (s.empty() ? "" : ",") + extra;
  return s.empty() ? "" : "{" + s + "}";
}

std::string prometheus_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void append_prometheus_histogram(std::string& out, const std::string& name, const std::vector<const char*>& names,
                                 const std::vector<std::string>& values, std::span<const double> bounds,
                                 const PromHistogram& h) {
  uint64_t cumulative = 0;
  for (size_t b = 0; b < bounds.size(); ++b) {
    cumulative += b < h.buckets.size() ? h.buckets[b] : 0;
    out += name + "_bucket" + prometheus_labels(names, values, "le=\"" + prometheus_number(bounds[b]) + "\"") + " " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket" + prometheus_labels(names, values, "le=\"+Inf\"") + " " + std::to_string(h.count) + "\n";
  out += name + "_sum" + prometheus_labels(names, values) + " " + prometheus_number(h.sum) + "\n";
  out += name + "_count" + prometheus_labels(names, values) + " " + std::to_string(h.count) + "\n";
}

}  // namespace keyward::http
