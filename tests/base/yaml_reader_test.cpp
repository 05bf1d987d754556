// The strict YAML reader: every error is "file:line: field.path: message".
#include "base/yaml_reader.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace keyward {
namespace {

std::string error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const SchemaError& e) {
    return e.what();
  }
  return "(no error)";
}

YamlField root(const std::string& text) { return YamlField{parse_yaml(text, "f.yaml"), "f.yaml", ""}; }

TEST(YamlReader, UnknownFieldsAreErrorsAtTheirLine) {
  auto f = root("timeouts:\n  request: 10s\n  reqest: 5s\n");
  EXPECT_EQ(error_of([&] { f.child("timeouts").only({"request"}); }),
            "f.yaml:3: timeouts.reqest: unknown field 'reqest'");
  std::vector<std::string> seen;
  f.child("timeouts").each_field({"request", "reqest"}, [&](const std::string& k, const YamlField& v) {
    seen.push_back(k + "=" + v.path + "@" + std::to_string(v.line()));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"request=timeouts.request@2", "reqest=timeouts.reqest@3"}));
}

TEST(YamlReader, EntriesWhoseKeysAreDataAreAllRead) {
  auto f = root("key_weights:\n  groq: {1: 3, 2: x}\n");
  std::vector<std::string> seen;
  f.child("key_weights").each_entry([&](const std::string& provider, const YamlField& keys) {
    keys.each_entry(
        [&](const std::string& index, const YamlField& w) { seen.push_back(provider + "#" + index + "=" + w.path); });
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"groq#1=key_weights.groq.1", "groq#2=key_weights.groq.2"}));
  EXPECT_EQ(error_of([&] { f.child("key_weights").child("groq").child("2").integer(1, 9); }),
            "f.yaml:2: key_weights.groq.2: expected an integer, got 'x'");
  EXPECT_EQ(error_of([&] { root("w: [1]\n").child("w").each_entry([](const std::string&, const YamlField&) {}); }),
            "f.yaml:1: w: expected a mapping");
}

TEST(YamlReader, PathsNameListItemsAndTheRoot) {
  auto f = root("providers:\n  - {name: groq}\n  - {name: [x]}\n");
  EXPECT_EQ(error_of([&] { f.child("providers").at(1).child("name").str(); }),
            "f.yaml:3: providers[1].name: expected a string");
  EXPECT_EQ(error_of([&] { f.require_sequence(); }), "f.yaml:1: (root): expected a list");
  EXPECT_TRUE(f.has("providers"));
  EXPECT_FALSE(f.has("sinks"));
}

TEST(YamlReader, TypedScalars) {
  auto f = root("n: 42\nbad: many\nbig: 5000\nyes: True\nno: off\nmaybe: perhaps\nd: 1h30m\nsoon: soon\n");
  EXPECT_EQ(f.child("n").integer(0, 100), 42);
  EXPECT_EQ(error_of([&] { f.child("bad").integer(0, 100); }), "f.yaml:2: bad: expected an integer, got 'many'");
  EXPECT_EQ(error_of([&] { f.child("big").integer(1, 1000); }), "f.yaml:3: big: must be between 1 and 1000");
  EXPECT_TRUE(f.child("yes").boolean());
  EXPECT_FALSE(f.child("no").boolean());
  EXPECT_EQ(error_of([&] { f.child("maybe").boolean(); }), "f.yaml:6: maybe: expected true or false, got 'perhaps'");
  EXPECT_EQ(f.child("d").duration(), std::chrono::minutes(90));
  EXPECT_EQ(error_of([&] { f.child("soon").duration(); }),
            "f.yaml:8: soon: expected a duration such as 250ms, 10s, 5m or 1h");
  EXPECT_EQ(f.child("n").as<long long>("a number"), 42);
  EXPECT_EQ(error_of([&] { f.child("bad").as<long long>("a number"); }), "f.yaml:2: bad: expected a number");
}

TEST(YamlReader, SyntaxErrorsAndHostileShapesNameTheLine) {
  EXPECT_EQ(error_of([] { parse_yaml("a: 1\nb: [2\n", "f.yaml"); }).rfind("f.yaml:", 0), 0u);
  EXPECT_NE(error_of([] { parse_yaml("a: 1\nb: [2\n", "f.yaml"); }).find(": (syntax): "), std::string::npos);
  EXPECT_NE(error_of([] { check_yaml_shape(parse_yaml("a: &a [*a]\n", "f.yaml"), "f.yaml"); }).find("nested deeper"),
            std::string::npos);
  EXPECT_EQ(error_of([] { check_yaml_shape(parse_yaml("a:\n  ? [x]\n  : y\n", "f.yaml"), "f.yaml"); }),
            "f.yaml:2: (document): a field name must be a plain string");
  // An alias bomb: ten references per level, nine levels.
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + prev;
    for (int k = 1; k < 10; ++k) bomb += ", " + prev;
    bomb += "]\n";
  }
  EXPECT_NE(error_of([&] { check_yaml_shape(parse_yaml(bomb, "f.yaml"), "f.yaml"); }).find("more than 100000 nodes"),
            std::string::npos);
}

TEST(SchemaError, KeepsItsParts) {
  SchemaError e("k.yaml", 7, "alerts.email", "unknown field 'smtp'");
  EXPECT_STREQ(e.what(), "k.yaml:7: alerts.email: unknown field 'smtp'");
  EXPECT_EQ(e.file(), "k.yaml");
  EXPECT_EQ(e.line(), 7);
  EXPECT_EQ(e.path(), "alerts.email");
  EXPECT_EQ(e.message(), "unknown field 'smtp'");
}

}  // namespace
}  // namespace keyward
