// A store that cannot be trusted is never used silently (issue 18, item 2):
// a corrupt file is moved aside and a fresh one created, with an ERROR the
// caller logs (and App turns into an alert); an empty file is a new history.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "router/store/alert_store.h"
#include "router/store/sqlite_backend.h"
#include "tests/router/core/fixtures.h"
#include "tests/router/store/store_test_util.h"

namespace keyward::store {
namespace {

using namespace std::chrono_literals;
using test::at;
namespace fs = std::filesystem;

// A store with one open incident, written and closed.
void write_store(const std::string& path, SimClock& clock) {
  std::string error;
  auto opened = SqliteBackend::open(path, clock.wall(), &error);
  ASSERT_TRUE(opened) << error;
  AlertStore s(std::move(opened->backend), std::move(opened->loaded), clock);
  for (int i = 0; i < 40; ++i) {
    IncidentRecord r;
    r.id = "inc-" + std::to_string(i);
    r.opened_at = clock.wall();
    r.diagnosis = std::string(1500, 'd');  // several pages
    if (i < 39) r.resolved_at = clock.wall();
    s.save(r);
  }
  ASSERT_TRUE(s.flush(30s));
}

void overwrite(const std::string& path, size_t offset, size_t n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(offset));
  for (size_t i = 0; i < n; ++i) f.put(static_cast<char>((i * 131 + 7) & 0xff));
}

TEST(CorruptStore, IsMovedAsideAndAFreshOneCreated) {
  test::TempDb db;
  SimClock clock(at("2025-11-18T08:00:21Z"));
  write_store(db.path(), clock);
  ASSERT_GT(fs::file_size(db.path()), 4 * 4096u);
  overwrite(db.path(), 4096, 3 * 4096);  // pages after the first: garbage

  std::string error;
  auto opened = SqliteBackend::open(db.path(), clock.wall(), &error);
  ASSERT_TRUE(opened) << error;
  ASSERT_TRUE(opened->corrupt_moved_to);
  EXPECT_EQ(*opened->corrupt_moved_to, db.path() + ".corrupt-20251118T080021Z");
  EXPECT_TRUE(fs::exists(*opened->corrupt_moved_to)) << "kept for inspection";
  EXPECT_FALSE(opened->corrupt_reason.empty());
  ASSERT_FALSE(opened->notices.empty());
  EXPECT_EQ(opened->notices.back().rfind("ERROR: Store " + db.path() + " was corrupt", 0), 0u)
      << opened->notices.back();
  EXPECT_FALSE(opened->loaded.open_incident);
  EXPECT_EQ(opened->backend->database().quick_check(), "ok") << "the new store is sound";
  fs::remove(*opened->corrupt_moved_to);
}

TEST(CorruptStore, AGarbageHeaderIsCorruptionToo) {
  test::TempDb db;
  SimClock clock(at("2025-11-18T08:00:21Z"));
  { std::ofstream(db.path()) << std::string(8192, 'G'); }
  std::string error;
  auto opened = SqliteBackend::open(db.path(), clock.wall(), &error);
  ASSERT_TRUE(opened) << error;
  ASSERT_TRUE(opened->corrupt_moved_to);
  fs::remove(*opened->corrupt_moved_to);
}

TEST(CorruptStore, AnEmptyFileIsLoggedAsANewHistory) {
  test::TempDb db;
  SimClock clock(at("2025-11-18T08:00:21Z"));
  { std::ofstream touch(db.path()); }
  std::string error;
  auto opened = SqliteBackend::open(db.path(), clock.wall(), &error);
  ASSERT_TRUE(opened) << error;
  EXPECT_FALSE(opened->corrupt_moved_to);
  ASSERT_EQ(opened->notices.size(), 1u);
  EXPECT_EQ(opened->notices[0], "WARN: Store " + db.path() + " is empty (0 bytes): starting a new history");
}

TEST(CorruptStore, ADirectoryIsRefusedWithAMessage) {
  auto dir = fs::temp_directory_path() / ("keyward-store-dir-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string error;
  EXPECT_FALSE(SqliteBackend::open(dir.string(), WallTime{}, &error));
  EXPECT_NE(error.find("is a directory"), std::string::npos) << error;
  fs::remove(dir);
}

}  // namespace
}  // namespace keyward::store
