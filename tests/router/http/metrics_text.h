#pragma once
// Reading Prometheus text in tests: one sample's value by its exact series
// name and labels, and every metric name a scrape exposes.
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace keyward::http::test {

// The value of the sample whose name and labels are exactly `series`
// (`name{a="x",b="y"}`, labels in the order the exporter writes them).
inline std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  }
  return std::nullopt;
}

// Names a PromQL query can use: every `# TYPE` name, and a histogram's
// _bucket, _sum and _count series.
inline std::set<std::string> exposed_names(const std::string& text) {
  std::set<std::string> names;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream fields(line.substr(7));
    std::string name, type;
    fields >> name >> type;
    names.insert(name);
    if (type == "histogram" || type == "summary") {
      names.insert(name + "_sum");
      names.insert(name + "_count");
      if (type == "histogram") names.insert(name + "_bucket");
    }
  }
  return names;
}

}  // namespace keyward::http::test
