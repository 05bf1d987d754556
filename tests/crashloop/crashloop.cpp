// The crash loop (issue 18, item 8). `keyward serve` runs against in-process
// fake providers and fake alert sinks, on one store file; it is SIGKILLed
// `--kills` times at seeded random moments while an incident is open and the
// sinks flap (down, slow to acknowledge), and restarted on the same store
// each time. Then it runs once more with healthy sinks until nothing is left
// to deliver, and stops cleanly. Verdict:
//   - the store passes PRAGMA quick_check;
//   - every alert the store recorded was delivered on each of its channels
//     at least once (emails by Message-ID, webhooks by alert_id);
//   - duplicates are counted and printed: they are the deliveries whose
//     acknowledgement a kill cut off (the sink had the message, the router
//     had not yet recorded it), so there are at most a few per kill.
// Exit 0 when all hold; 1 (with the reasons) otherwise; 2 on bad usage.
#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/random.h"
#include "fakes/sinks/sinks.h"
#include "fakes/world.h"
#include "router/store/sqlite_backend.h"

namespace {

using namespace std::chrono_literals;
using keyward::Millis;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  std::string keyward;
  std::string work_dir = "crashloop-work";
  int kills = 50;
  uint64_t seed = 1;
};

// One `keyward serve` child, its stdout and stderr on a pipe we keep reading
// (a full pipe would block its logging).
class Serve {
 public:
  Serve(const std::vector<std::string>& argv) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      ::dup2(fds[1], 2);
      ::close(fds[0]);
      ::close(fds[1]);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    ::fcntl(fd_, F_SETFL, O_NONBLOCK);
  }
  ~Serve() {
    if (pid_ > 0) kill(SIGKILL);
    if (fd_ >= 0) ::close(fd_);
  }
  bool started() const { return pid_ > 0 && fd_ >= 0; }

  // Reads its output until `until`; true once a line contains `needle`
  // (empty: just read until `until`). Lines are kept for the report.
  bool read(Steady::time_point until, const std::string& needle = "", std::string* found = nullptr) {
    for (;;) {
      size_t nl;
      while ((nl = partial_.find('\n')) != std::string::npos) {
        std::string line = partial_.substr(0, nl);
        partial_.erase(0, nl + 1);
        if (lines_.size() < 20000) lines_.push_back(line);
        if (!needle.empty() && line.find(needle) != std::string::npos) {
          if (found) *found = line;
          return true;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Steady::now()).count();
      if (left <= 0) return needle.empty();
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) {
        if (n == 0) return needle.empty() ? true : false;  // the child is gone
        continue;
      }
      partial_.append(buf, static_cast<size_t>(n));
    }
  }
  void kill(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    if (sig == SIGKILL) {
      int status;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  // SIGTERM, then waits (bounded) for it to exit by itself; false when it
  // crashed (a signal) or had to be killed. *code: its exit status (a
  // sanitizer build may report leaks at exit with a status of its own).
  bool stop(std::chrono::seconds bound, int* code) {
    ::kill(pid_, SIGTERM);
    auto until = Steady::now() + bound;
    while (Steady::now() < until) {
      read(Steady::now() + 50ms);
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return WIFEXITED(status);
      }
    }
    kill(SIGKILL);
    return false;
  }
  const std::vector<std::string>& lines() const { return lines_; }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string partial_;
  std::vector<std::string> lines_;
};

const char* kSecrets[] = {"sk-proj-CRASH-AAA-0001", "sk-proj-CRASH-BBB-0002", "AIza-CRASH-XXX-0003",
                          "msk-CRASH-ZZZ-0004"};

int usage(const std::string& why) {
  std::fprintf(stderr,
               "keyward_crashloop: %s\nusage: keyward_crashloop --keyward PATH [--kills N] [--seed S] "
               "[--work-dir DIR]\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) return usage("missing value after " + a);
    std::string v = argv[++i];
    if (a == "--keyward")
      opt.keyward = v;
    else if (a == "--work-dir")
      opt.work_dir = v;
    else if (a == "--kills")
      opt.kills = std::stoi(v);
    else if (a == "--seed")
      opt.seed = std::stoull(v);
    else
      return usage("unknown flag " + a);
  }
  if (opt.keyward.empty()) return usage("--keyward is required");
  if (opt.kills < 1 || opt.kills > 1000) return usage("--kills must be 1..1000");
  ::signal(SIGPIPE, SIG_IGN);
  auto t0 = Steady::now();

  keyward::RealClock clock;
  keyward::YamlField world_yaml{YAML::Load("providers:\n  - {name: groq, kind: groq}\n"
                                           "  - {name: gemini, kind: gemini}\n  - {name: mistral, kind: mistral}\n"),
                                "world.yaml", ""};
  keyward::fakes::World world(keyward::fakes::parse_world(world_yaml), clock);
  world.start();
  keyward::fakes::SinksOptions so;
  so.smtp = keyward::fakes::SmtpSinkOptions{};
  so.smtp->max_messages = 100000;
  so.telegram = keyward::fakes::TelegramSinkOptions{};
  so.telegram->max_messages = 100000;
  so.webhook = keyward::fakes::WebhookSinkOptions{};
  so.webhook->max_messages = 100000;
  keyward::fakes::SinkFleet sinks(so, clock, opt.seed);
  sinks.start();

  fs::remove_all(opt.work_dir);
  fs::create_directories(opt.work_dir);
  std::string store = opt.work_dir + "/keyward.db";
  std::string env_path = opt.work_dir + "/.env";
  {
    std::ofstream env(env_path);
    env << "GROQ_API_KEY_1=" << kSecrets[0] << "\nGROQ_API_KEY_2=" << kSecrets[1]
        << "\nGEMINI_API_KEY_1=" << kSecrets[2] << "\nMISTRAL_API_KEY_1=" << kSecrets[3] << "\n"
        << "GROQ_BASE_URL=" << world.provider("groq")->base_url() << "\n"
        << "GEMINI_BASE_URL=" << world.provider("gemini")->base_url() << "\n"
        << "MISTRAL_BASE_URL=" << world.provider("mistral")->base_url() << "\n"
        << "SMTP_URL=smtp://alerts:pw@127.0.0.1:" << sinks.smtp()->port() << "\n"
        << "ALERT_EMAIL_FROM=keyward@example.com\nALERT_EMAIL_TO=ops@example.com\n"
        << "TELEGRAM_BOT_TOKEN=123:ABC\nTELEGRAM_CHAT_ID=42\nTELEGRAM_API_URL=" << sinks.telegram()->url() << "\n"
        << "ALERT_WEBHOOK_URL=" << sinks.webhook()->url() << "\n";
  }
  std::vector<std::string> argv_serve = {opt.keyward, "serve",      "--env",     env_path,
                                         "--store",   store,        "--journal", opt.work_dir + "/journal.jsonl",
                                         "--listen",  "127.0.0.1:0"};
  auto set_keys = [&](keyward::fakes::KeyState st) {
    world.provider("groq")->set_key_state(kSecrets[0], st);
    world.provider("groq")->set_key_state(kSecrets[1], st);
    world.provider("gemini")->set_key_state(kSecrets[2], st);
    world.provider("mistral")->set_key_state(kSecrets[3], st);
  };
  auto start = [&](Serve& s, int* port) {
    std::string line;
    if (!s.started() || !s.read(Steady::now() + 20s, "INFO: Listening on http://127.0.0.1:", &line)) return false;
    *port = std::stoi(line.substr(line.rfind(':') + 1));
    return true;
  };
  auto chat = [](int port, const std::string& text) {
    httplib::Client c("127.0.0.1", port);
    c.set_tcp_nodelay(true);
    c.set_connection_timeout(1);
    c.set_read_timeout(5);
    return c.Post("/api/ai/chat", nlohmann::json{{"message", text}}.dump(), "application/json");
  };

  keyward::Random rng(opt.seed);
  std::vector<std::string> problems;
  bool healthy = false;
  set_keys(keyward::fakes::KeyState::revoked);
  int kills = 0, requests = 0;
  for (int round = 0; round < opt.kills; ++round) {
    // Now and then the keys come back (the incident resolves) and go again
    // (a new incident): more alerts, of every kind, over the loop.
    if (rng.below(8) == 0) {
      healthy = !healthy;
      set_keys(healthy ? keyward::fakes::KeyState::valid : keyward::fakes::KeyState::revoked);
    }
    // The sinks flap: each is up, down, or slow to acknowledge.
    auto flap = [&](auto* sink, int slow_ms) {
      sink->clear_faults();
      uint64_t r = rng.below(3);
      if (r == 0) return;
      keyward::fakes::SinkFault f;
      f.kind = r == 1 ? keyward::fakes::SinkFault::Kind::down : keyward::fakes::SinkFault::Kind::slow;
      f.delay_ms = slow_ms;
      sink->set_fault(f);
    };
    flap(sinks.smtp(), 20);
    flap(sinks.telegram(), 150);
    flap(sinks.webhook(), 150);

    Serve s(argv_serve);
    int port = 0;
    if (!start(s, &port)) {
      problems.push_back("round " + std::to_string(round) + ": keyward serve did not start");
      for (const auto& l : s.lines()) std::fprintf(stderr, "  | %s\n", l.c_str());
      break;
    }
    for (uint64_t n = rng.below(4); n > 0; --n, ++requests) chat(port, "question " + std::to_string(requests));
    // The random moment: 0-400 ms into its work (reading its log meanwhile).
    s.read(Steady::now() + std::chrono::milliseconds(rng.below(400)));
    s.kill(SIGKILL);
    ++kills;
  }

  // The last run: healthy sinks, until everything is delivered and on disk.
  sinks.smtp()->clear_faults();
  sinks.telegram()->clear_faults();
  sinks.webhook()->clear_faults();
  {
    Serve s(argv_serve);
    int port = 0;
    if (!start(s, &port)) {
      problems.push_back("the final keyward serve did not start");
    } else {
      bool settled = false;
      auto until = Steady::now() + 90s;
      while (!settled && Steady::now() < until) {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(5);
        if (auto r = c.Get("/api/status"); r && r->status == 200) {
          auto j = nlohmann::json::parse(r->body, nullptr, false);
          settled = j.is_object() && j["store"]["pending_deliveries"] == 0 && j["store"]["unwritten"] == 0;
        }
        if (!settled) s.read(Steady::now() + 100ms);
      }
      if (!settled) problems.push_back("deliveries still pending 90 s into the final run");
      int code = 0;
      if (!s.stop(20s, &code)) problems.push_back("the final keyward serve did not exit on SIGTERM (crash or hang)");
      if (code != 0) std::printf("note: the final keyward serve exited with status %d\n", code);
    }
  }

  // The verdict, from the store as it is on disk.
  std::string error;
  std::string check;
  {
    auto db = keyward::store::Database::open(store, &error);
    check = db ? db->quick_check() : error;
  }
  if (check != "ok") problems.push_back("store quick_check: " + check);
  auto opened = keyward::store::SqliteBackend::open(store, clock.wall(), &error);
  std::map<std::string, int> mails, hooks;
  for (const auto& m : sinks.smtp()->messages()) ++mails[m.message_id];
  for (const auto& m : sinks.webhook()->messages())
    if (m.body.is_object() && m.body.contains("alert_id")) ++hooks[m.body["alert_id"].get<std::string>()];
  size_t telegrams = sinks.telegram()->messages().size();
  size_t alerts = 0, telegram_rows = 0, missing = 0, undelivered = 0;
  int duplicates = 0;
  if (!opened) {
    problems.push_back("cannot open the store: " + error);
  } else {
    for (const auto& sa : opened->loaded.alerts) {
      ++alerts;
      for (const auto& d : sa.deliveries) {
        if (d.state != keyward::store::DeliveryState::delivered) {
          ++undelivered;
          problems.push_back(sa.alert.id + " on " + keyward::to_string(d.channel) + " is " +
                             keyward::store::to_string(d.state));
        }
        int got = 0;
        if (d.channel == keyward::channel_email)
          got = mails["<" + sa.alert.id + "@keyward>"];
        else if (d.channel == keyward::channel_webhook)
          got = hooks[sa.alert.id];
        else
          ++telegram_rows;
        if (d.channel != keyward::channel_telegram) {
          if (got == 0) {
            ++missing;
            problems.push_back(sa.alert.id + " (" + sa.alert.subject + ") never reached " +
                               keyward::to_string(d.channel));
          }
          duplicates += got > 1 ? got - 1 : 0;
        }
      }
    }
    if (telegrams < telegram_rows)
      problems.push_back(std::to_string(telegram_rows) + " Telegram deliveries recorded, " + std::to_string(telegrams) +
                         " received");
  }
  if (alerts == 0) problems.push_back("no alert was ever raised: the loop tested nothing");
  // Each kill can cut off the acknowledgement of the sends then in flight
  // (one per channel) plus those not yet written by the store's writer.
  if (duplicates > 3 * kills)
    problems.push_back(std::to_string(duplicates) + " duplicates for " + std::to_string(kills) + " kills");

  double secs = std::chrono::duration<double>(Steady::now() - t0).count();
  std::printf(
      "crashloop: %d SIGKILLs (seed %llu), %d requests; %zu alerts recorded; received %zu emails, %zu webhooks, "
      "%zu telegrams; missing %zu, undelivered %zu; duplicates %d (acknowledgements lost to a kill); "
      "quick_check %s; %.1f s\n",
      kills, static_cast<unsigned long long>(opt.seed), requests, alerts, sinks.smtp()->messages().size(),
      sinks.webhook()->messages().size(), telegrams, missing, undelivered, duplicates, check.c_str(), secs);
  opened.reset();
  sinks.stop();
  world.stop();
  for (const auto& p : problems) std::printf("FAIL: %s\n", p.c_str());
  return problems.empty() ? 0 : 1;
}
