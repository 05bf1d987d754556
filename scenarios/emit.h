#pragma once
// Scenario -> YAML text that load_scenario reads back to the same scenario
// (the shrinker edits parsed scenarios and writes them out; `keyward replay`
// builds one and writes it with its comments), plus the YAML text helpers.
#include <string>

#include "scenarios/scenario.h"

namespace keyward::scenarios {

// A YAML scalar: plain when that reads back as the same string, otherwise
// double-quoted with escapes.
std::string yaml_scalar(const std::string& s);
// "1h30m", "15s250ms", "0s": the loader's duration syntax.
std::string yaml_duration(Millis d);
// One JSON value as YAML flow text (JSON is YAML; strings stay quoted so the
// fakes' parser keeps them strings).
std::string yaml_flow(const nlohmann::json& j);
// A multi-line text (.env) as `key: |` content indented by `indent` spaces,
// or as a quoted scalar when a literal block would not read back exactly.
// Returns the text after "key:" (starting with " |\n" or " \"...\"").
std::string yaml_text_block(const std::string& text, int indent);

// The whole scenario. Expanded repeats are folded back into repeat/every;
// events the loader synthesised are left out (it adds them again). Comments
// (Scenario::header_comment and ::comments, Event::comment,
// Expectation::comment) are written as YAML comments; the first event of a
// folded run carries the run's comment.
std::string emit_scenario(const Scenario& s);

}  // namespace keyward::scenarios
