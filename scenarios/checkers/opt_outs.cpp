#include "scenarios/checkers/opt_outs.h"

#include "scenarios/checkers/checker.h"

namespace keyward::scenarios {

std::vector<CheckerOptOut> parse_checker_opt_outs(const YamlField& checkers,
                                                  const std::vector<Expectation>& expectations) {
  checkers.only({"skip"});
  std::vector<CheckerOptOut> out;
  if (!checkers.has("skip")) return out;
  auto skip = checkers.child("skip");
  if (!skip.node.IsMap())
    skip.fail(
        "expected a mapping of checker name to the reason this scenario skips it, e.g. "
        "{one_alert_per_kind: \"the reminder test sends the same subject hourly\"}");
  for (const auto& kv : skip.node) {
    if (!kv.first.IsScalar()) YamlField{kv.first, skip.file, skip.path}.fail("a checker name must be a plain string");
    std::string name = kv.first.Scalar();
    // Errors name the key's line: a missing value has no line of its own.
    YamlField at{kv.first, skip.file, skip.child_path(name)};
    const Checker* c = find_checker(name);
    if (!c) at.fail("unknown checker '" + name + "' (safety checkers: " + checker_names(CheckerKind::safety) + ")");
    if (c->kind() != CheckerKind::safety)
      at.fail("'" + name +
              "' is a liveness checker: it runs only when an expectation asks for it "
              "(- invariant: " +
              name + "), so there is nothing to skip");
    if (!kv.second.IsScalar() || kv.second.Scalar().find_first_not_of(" \t") == std::string::npos)
      at.fail("a reason is required: say why this scenario may violate '" + name + "' (" + name + ": \"...\")");
    for (const auto& x : expectations)
      if (x.kind == Expectation::Kind::invariant && x.invariant == name)
        at.fail("skipped here, but the expectation at line " + std::to_string(x.line) + " asks for it");
    for (const auto& o : out)
      if (o.checker == name) at.fail("skipped twice");
    out.push_back({name, kv.second.Scalar(), at.line()});
  }
  return out;
}

}  // namespace keyward::scenarios
