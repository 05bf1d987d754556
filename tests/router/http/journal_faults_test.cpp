// Journal drops are counted and told (issue 18, item 3): every line a full
// disk refuses counts in keyward_journal_dropped_lines_total, the error is
// logged at most once a minute with the count, and /api/status shows the
// journal's state. /dev/full is the full disk, no root needed.
#include <gtest/gtest.h>

#include <filesystem>
#include <mutex>

#include "router/http/journal.h"
#include "tests/router/http/harness.h"

namespace keyward::http::test {
namespace {

using namespace std::chrono_literals;

struct Lines {
  std::mutex mu;
  std::vector<std::string> v;
  size_t starting(const std::string& prefix) {
    std::lock_guard lock(mu);
    size_t n = 0;
    for (const auto& l : v) n += l.rfind(prefix, 0) == 0;
    return n;
  }
};

TEST(JournalFaults, DevFullDropsEveryLineCountsItAndLogsOncePerMinute) {
  ASSERT_TRUE(std::filesystem::exists("/dev/full"));
  SimClock clock(at("2025-11-18T08:00:00Z"));
  Lines logs;
  JournalOptions o;
  o.path = "/dev/full";
  o.clock = &clock;
  o.log = [&](const std::string& l) {
    std::lock_guard lock(logs.mu);
    logs.v.push_back(l);
  };
  Journal j(o);
  std::string error;
  ASSERT_TRUE(j.open(&error)) << error;
  for (int i = 0; i < 50; ++i) {
    j.write(clock.wall(), JsonFields().add("type", "x").add("n", i));
    if (i % 10 == 9) j.flush();  // separate batches: separate write errors
  }
  j.flush();
  EXPECT_EQ(j.dropped_lines(), 50u) << "every line the disk refused is counted";
  auto st = j.status_json();
  EXPECT_EQ(st["state"], "degraded");
  EXPECT_GE(st["write_errors"].get<int>(), 5);
  EXPECT_NE(st["last_error"].get<std::string>().find("No space left"), std::string::npos) << st.dump();
  EXPECT_EQ(logs.starting("ERROR: Journal /dev/full cannot be written"), 1u) << "once a minute, not per batch";
  clock.advance(61s);
  j.write(clock.wall(), JsonFields().add("type", "x"));
  j.flush();
  EXPECT_EQ(logs.starting("ERROR: Journal /dev/full cannot be written"), 2u);
  std::lock_guard lock(logs.mu);
  EXPECT_NE(logs.v.back().find("1 lines dropped since the last report, 51 in all"), std::string::npos) << logs.v.back();
}

TEST(JournalFaults, ServeWithJournalOnDevFullShowsTheDropsInMetricsAndStatus) {
  Harness h;
  h.start_world(kThreeProviders);
  auto o = h.options(kFoundingEnv);
  o.journal_path = "/dev/full";
  h.start_service(std::move(o));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(h.chat("q" + std::to_string(i)));
  h.service->journal().flush();
  auto metrics = h.get("/metrics")->body;
  auto line = metrics.substr(metrics.find("\nkeyward_journal_dropped_lines_total ") + 1);
  line = line.substr(0, line.find('\n'));
  EXPECT_NE(line, "keyward_journal_dropped_lines_total 0") << line;
  auto status = body_json(h.get("/api/status"));
  EXPECT_EQ(status["journal"]["state"], "degraded");
  EXPECT_GT(status["journal"]["dropped_lines"].get<int>(), 0);
  EXPECT_TRUE(h.logged("ERROR: Journal /dev/full cannot be written"));
}

TEST(JournalFaults, AHealthyJournalSaysOk) {
  Harness h;
  h.start_world(kThreeProviders);
  h.start_service(h.options(kFoundingEnv));
  auto status = body_json(h.get("/api/status"));
  EXPECT_EQ(status["journal"]["state"], "memory_only");
  EXPECT_EQ(status["journal"]["dropped_lines"], 0);
}

}  // namespace
}  // namespace keyward::http::test
