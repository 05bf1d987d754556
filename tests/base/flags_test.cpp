// The flag table every command shares: parsing and the help it prints.
#include "base/flags.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace keyward {
namespace {

constexpr Flag kFlags[] = {
    {"--config", "FILE", "keyward.yaml to read"},
    {"--output", "OUT.yaml", "where to write", "-o"},
    {"--verbose", nullptr, "say more"},
};

struct Parsed {
  bool ok;
  ParsedArgs args;
  std::string error;
};

Parsed parse(std::vector<std::string> words) {
  words.insert(words.begin(), "cmd");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  Parsed p;
  p.ok = parse_flags(static_cast<int>(argv.size()), argv.data(), kFlags, &p.args, &p.error);
  return p;
}

TEST(Flags, ValuesSwitchesAliasesAndPositionals) {
  auto p = parse({"a.yaml", "--config", "k.yaml", "-o", "out.yaml", "--verbose", "b.yaml", "--config=x.yaml", "-"});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.args.positionals, (std::vector<std::string>{"a.yaml", "b.yaml", "-"}));
  EXPECT_EQ(p.args.value("--config"), "x.yaml") << "the last one wins";
  EXPECT_EQ(p.args.value("--output"), "out.yaml") << "-o is stored under its table name";
  EXPECT_TRUE(p.args.has("--verbose"));
  EXPECT_EQ(p.args.value("--verbose"), "");
  EXPECT_FALSE(p.args.value("--nothing").has_value());
  EXPECT_EQ(p.args.flags.size(), 4u);
}

TEST(Flags, AValueMayLookLikeAFlag) {
  auto p = parse({"--config", "--verbose"});
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.args.value("--config"), "--verbose");
  EXPECT_FALSE(p.args.has("--verbose"));
}

TEST(Flags, ErrorsNameTheFlag) {
  EXPECT_EQ(parse({"--colour", "red"}).error, "unknown option '--colour'");
  EXPECT_EQ(parse({"--colour=red"}).error, "unknown option '--colour'");
  EXPECT_EQ(parse({"--config"}).error, "option --config needs a value");
  EXPECT_EQ(parse({"--verbose=yes"}).error, "option --verbose takes no value");
  EXPECT_FALSE(parse({"-x"}).ok);
}

TEST(Flags, HelpListsTheTableAligned) {
  EXPECT_EQ(flags_help(kFlags),
            "  --config FILE          keyward.yaml to read\n"
            "  -o, --output OUT.yaml  where to write\n"
            "  --verbose              say more\n");
}

}  // namespace
}  // namespace keyward
