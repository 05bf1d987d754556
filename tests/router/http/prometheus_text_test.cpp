// The Prometheus text pieces both metric families are written with.
#include "router/http/prometheus_text.h"

#include <gtest/gtest.h>

#include <array>

namespace keyward::http {
namespace {

TEST(PrometheusText, LabelsLeaveEmptyValuesOutAndEscapeTheRest) {
  EXPECT_EQ(prometheus_labels({"provider", "error_type"}, {"gr\"oq", ""}), "{provider=\"gr\\\"oq\"}");
  EXPECT_EQ(prometheus_labels({"provider"}, {""}), "");
  EXPECT_EQ(prometheus_labels({}, {}, "le=\"+Inf\""), "{le=\"+Inf\"}");
}

TEST(PrometheusText, AHistogramIsCumulativeWithAnOverflowOnlyInInf) {
  const std::array<double, 2> bounds{0.1, 1};
  PromHistogram h;
  for (double v : {0.05, 0.1, 0.5, 7.0}) h.observe(bounds, v);  // a bound belongs to its bucket
  std::string out;
  append_prometheus_histogram(out, "x_seconds", {"route"}, {"chat"}, bounds, h);
  EXPECT_EQ(out,
            "x_seconds_bucket{route=\"chat\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{route=\"chat\",le=\"1\"} 3\n"
            "x_seconds_bucket{route=\"chat\",le=\"+Inf\"} 4\n"
            "x_seconds_sum{route=\"chat\"} 7.65\n"
            "x_seconds_count{route=\"chat\"} 4\n");
}

}  // namespace
}  // namespace keyward::http
