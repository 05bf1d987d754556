// Three `keyward serve` processes sharing a real redis-server (issue 19,
// "Done when"): a black-box test of cluster mode from outside the processes.
// The test starts its own redis-server on a unix socket in a temporary
// directory, in-process fake providers (Groq, Gemini, Mistral) and a fake
// webhook sink, and three replicas (`cluster: {replica_id: rN}`, the same
// .env with KEYWARD_REDIS_URL=unix://...). Then, in order:
//   (b) the founding scenario: every key starts failing authentication and a
//       request reaches the three replicas at once; each alert reaches the
//       sink once cluster-wide (not once per replica), and the replicas share
//       one incident;
//       the operator puts new keys in .env and sends SIGHUP to each replica:
//       the incident is resolved once (one RESOLVED alert);
//   (a) Groq key 1 starts answering 401 and is quarantined through replica
//       1; replicas 2 and 3 learn it and never call it (calls counted per key
//       at the fake; keys are tried in order, so a replica that had not
//       learnt it would call it on its next request);
//   (c) Redis is SIGKILLed while 32 connections (spread over the replicas)
//       send requests: no request fails, and each replica's /api/status says
//       `cluster: degraded`;
//   (d) Redis is restarted on the same socket: each replica's /api/status
//       says `connected` again within a bound, and a quarantine learnt on
//       replica 2 afterwards (Groq key 2) reaches replicas 1 and 3 (no calls
//       from them).
// Every process is started with PR_SET_PDEATHSIG and killed by pid on every
// exit path: none outlives the test. Waits poll a condition with a bound.
// Exit 0 when all hold; 1 with the reasons otherwise; 2 on bad usage.
#include <fcntl.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "fakes/redis_server.h"
#include "fakes/sinks/sinks.h"
#include "fakes/world.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct Options {
  std::string keyward;
  int connections = 32;
  bool keep = false;  // keep the temporary directory (logs) after the run
};

// Variables the router reads from its environment: the children get the
// test's .env alone, whatever the caller's environment holds.
bool routers_variable(const std::string& entry) {
  for (const char* prefix : {"GROQ_", "GEMINI_", "MISTRAL_", "OPENAI_", "KEYWARD_", "SMTP_", "ALERT_", "TELEGRAM_"})
    if (entry.rfind(prefix, 0) == 0) return true;
  return false;
}

// A child process, its stdout and stderr appended to a log file (never a
// pipe: a pipe nobody reads would block its logging under load). It dies
// with the test (PR_SET_PDEATHSIG) and is killed by pid when destroyed.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { kill_now(); }

  bool spawn(const std::vector<std::string>& argv, const std::string& log_path) {
    kill_now();
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e)
      if (!routers_variable(*e)) env_strings.emplace_back(*e);
    std::vector<char*> args, env;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env_strings) env.push_back(e.data());
    env.push_back(nullptr);
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log < 0) return false;
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);  // the test died before prctl
      ::dup2(log, 1);
      ::dup2(log, 2);
      ::execvpe(args[0], args.data(), env.data());
      ::_exit(127);
    }
    ::close(log);
    return pid_ > 0;
  }
  pid_t pid() const { return pid_; }
  bool running() {
    if (pid_ <= 0) return false;
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM, then a bounded wait for it to exit by itself; false (and
  // SIGKILL) when it did not, or exited with a non-zero status.
  bool stop(std::chrono::milliseconds bound) {
    if (pid_ <= 0) return false;
    ::kill(pid_, SIGTERM);
    auto until = Steady::now() + bound;
    while (Steady::now() < until) {
      int status;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
      }
      std::this_thread::sleep_for(10ms);  // polling for the exit, not timing
    }
    kill_now();
    return false;
  }

 private:
  pid_t pid_ = -1;
};

// Polls `done` until it holds or `bound` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds bound) {
  auto until = Steady::now() + bound;
  while (Steady::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);  // polling a condition, not timing
  }
  return done();
}

double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

struct Replica {
  std::string id;
  std::string log_path;
  Process process;
  int port = 0;
};

struct Answer {
  int status = 0;  // 0: no answer (transport error)
  std::string body;
  std::string error;
};

Answer chat(int port, const std::string& message) {
  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  auto r = c.Post("/api/ai/chat", json{{"message", message}}.dump(), "application/json");
  if (!r) return {0, "", httplib::to_string(r.error())};
  return {r->status, r->body, ""};
}

json get_json(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_connection_timeout(2);
  c.set_read_timeout(10);
  auto r = c.Get(path);
  if (!r || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

std::string get_text(int port, const std::string& path) {
  httplib::Client c("127.0.0.1", port);
  c.set_tcp_nodelay(true);
  c.set_read_timeout(10);
  auto r = c.Get(path);
  return r && r->status == 200 ? r->body : "";
}

// "success" answers carry the provider's content; the emergency answer is
// the documented 503 (docs/OPERATIONS.md).
bool well_formed_success(const Answer& a) {
  if (a.status != 200) return false;
  json j = json::parse(a.body, nullptr, false);
  return j.is_object() && j.value("status", "") == "success" && j.contains("content") && j.value("provider", "") != "";
}
bool emergency_answer(const Answer& a) {
  if (a.status != 503) return false;
  json j = json::parse(a.body, nullptr, false);
  return j.is_object() && j.value("model", "") == "emergency/fallback" && j.value("retryable", false);
}

std::string key_state(const json& status, const std::string& provider, int id) {
  if (!status.is_object() || !status["providers"].is_array()) return "";
  for (const auto& p : status["providers"]) {
    if (p.value("name", "") != provider || !p["keys"].is_array()) continue;
    for (const auto& k : p["keys"])
      if (k.value("id", 0) == id) return k.value("state", "");
  }
  return "";
}

std::string cluster_state(const json& status) {
  if (!status.is_object() || !status["cluster"].is_object()) return "";
  return status["cluster"].value("state", "");
}

// keyward_incident_alerts_total{result="enqueued"} N: the alerts this
// replica's incident engine handed on to be claimed.
uint64_t alerts_enqueued(int port) {
  std::string text = get_text(port, "/metrics");
  std::string name = "keyward_incident_alerts_total{result=\"enqueued\"} ";
  auto at = text.find(name);
  return at == std::string::npos ? UINT64_MAX : std::stoull(text.substr(at + name.size()));
}

const char* kFounding[6][3] = {
    {"groq", "GROQ_API_KEY_1", "sk-proj-EXPIRED-AAA"},  {"groq", "GROQ_API_KEY_2", "sk-proj-EXPIRED-BBB"},
    {"groq", "GROQ_API_KEY_3", "sk-proj-EXPIRED-CCC"},  {"gemini", "GEMINI_API_KEY_1", "AIza-EXPIRED-XXX"},
    {"gemini", "GEMINI_API_KEY_2", "AIza-EXPIRED-YYY"}, {"mistral", "MISTRAL_API_KEY_1", "msk-EXPIRED-ZZZ"}};
const char* kNewGroq[3] = {"sk-proj-NEW-AAA", "sk-proj-NEW-BBB", "sk-proj-NEW-CCC"};

int usage(const std::string& why) {
  std::fprintf(stderr,
               "keyward_cluster_processes: %s\nusage: keyward_cluster_processes --keyward PATH [--connections N] "
               "[--keep]\n",
               why.c_str());
  return 2;
}

class Run {
 public:
  explicit Run(Options opt) : opt_(std::move(opt)) {}
  ~Run() {
    // Children first (they talk to the fakes), by pid.
    for (auto& r : replicas_) r.process.kill_now();
    kill_redis();
    if (sinks_) sinks_->stop();
    if (world_) world_->stop();
    std::error_code ec;
    if (!dir_.empty() && !opt_.keep) fs::remove_all(dir_, ec);
  }

  int main() {
    auto t0 = Steady::now();
    bool ok = setup() && founding_scenario() && new_keys_resolve_the_incident() && quarantine_propagates() &&
              redis_killed_under_load() && redis_restarted();
    (void)ok;  // a failed step recorded its problem; the ones after it depend on it
    stop_replicas();
    for (const auto& f : figures_) std::printf("%s\n", f.c_str());
    std::printf("cluster_processes: %zu problems; %.1f s%s\n", problems_.size(), seconds_since(t0),
                opt_.keep ? (" (kept " + dir_ + ")").c_str() : "");
    if (!problems_.empty()) {
      for (auto& r : replicas_) print_log_tail(r);
      print_file_tail("redis-server", dir_ + "/redis.log");
      for (const auto& p : problems_) std::printf("FAIL: %s\n", p.c_str());
    }
    return problems_.empty() ? 0 : 1;
  }

 private:
  bool fail(const std::string& why) {
    problems_.push_back(why);
    return false;
  }
  bool check(bool cond, const std::string& why) { return cond || fail(why); }

  // The one redis-server helper (fakes/redis_server.h), on this run's
  // socket: started again after a kill, empty.
  bool start_redis() {
    if (!redis_) redis_ = std::make_unique<keyward::fakes::RedisServer>("", dir_);
    else redis_->start();
    if (redis_->socket() != socket_) return fail("redis-server socket " + redis_->socket() + " is not " + socket_);
    if (!redis_->ready()) return fail("redis-server did not answer PING on " + socket_ + " within 10 s");
    return true;
  }
  void kill_redis() {
    if (redis_) redis_->stop();
  }

  void write_env(const std::vector<std::pair<std::string, std::string>>& keys) {
    std::ofstream env(env_path_ + ".tmp");
    for (const auto& [name, value] : keys) env << name << "=" << value << "\n";
    for (const char* p : {"groq", "gemini", "mistral"}) {
      std::string upper = p;
      for (auto& c : upper) c = static_cast<char>(std::toupper(c));
      env << upper << "_BASE_URL=" << world_->provider(p)->base_url() << "\n";
    }
    env << "ALERT_WEBHOOK_URL=" << sinks_->webhook()->url() << "\n"
        << "KEYWARD_REDIS_URL=unix://" << socket_ << "\n";
    env.close();
    fs::permissions(env_path_ + ".tmp", fs::perms::owner_read | fs::perms::owner_write);  // it holds keys
    fs::rename(env_path_ + ".tmp", env_path_);  // a replica reloading never reads half a file
  }

  bool setup() {
    char tmpl[] = "/tmp/keyward-cluster-XXXXXX";  // short: a unix socket path has 107 bytes
    if (!::mkdtemp(tmpl)) return fail("mkdtemp failed");
    dir_ = tmpl;
    socket_ = dir_ + "/redis.sock";
    env_path_ = dir_ + "/.env";
    keyward::YamlField world_yaml{YAML::Load("providers:\n  - {name: groq, kind: groq}\n"
                                             "  - {name: gemini, kind: gemini}\n  - {name: mistral, kind: mistral}\n"),
                                  "world.yaml", ""};
    world_ = std::make_unique<keyward::fakes::World>(keyward::fakes::parse_world(world_yaml), clock_);
    world_->start();
    keyward::fakes::SinksOptions so;
    so.webhook = keyward::fakes::WebhookSinkOptions{};
    so.webhook->max_messages = 100000;
    sinks_ = std::make_unique<keyward::fakes::SinkFleet>(so, clock_, 1);
    sinks_->start();
    // The founding story: the keys work when the replicas start, and die later.
    for (const auto& k : kFounding) world_->provider(k[0])->set_key_state(k[2], keyward::fakes::KeyState::valid);
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& k : kFounding) keys.emplace_back(k[1], k[2]);
    write_env(keys);
    if (!start_redis()) return false;

    for (size_t i = 0; i < replicas_.size(); ++i) {
      Replica& r = replicas_[i];
      r.id = "r" + std::to_string(i + 1);
      r.log_path = dir_ + "/" + r.id + ".log";
      std::string config = dir_ + "/" + r.id + ".yaml";
      std::ofstream(config) << "cluster:\n  replica_id: " << r.id << "\n  key_prefix: kw\n";
      if (!r.process.spawn({opt_.keyward, "serve", "--env", env_path_, "--config", config, "--listen", "127.0.0.1:0",
                            "--journal", dir_ + "/" + r.id + ".jsonl", "--store", dir_ + "/" + r.id + ".db"},
                           r.log_path))
        return fail("cannot fork keyward serve for " + r.id);
    }
    for (auto& r : replicas_) {
      const std::string needle = "INFO: Listening on http://127.0.0.1:";
      bool listening = eventually(
          [&] {
            std::ifstream in(r.log_path);
            for (std::string line; std::getline(in, line);)
              if (auto at = line.find(needle); at != std::string::npos) {
                r.port = std::atoi(line.c_str() + at + needle.size());
                return r.port > 0;
              }
            return !r.process.running();  // gone: stop waiting
          },
          20s);
      if (!listening || r.port <= 0) return fail(r.id + ": keyward serve did not start listening within 20 s");
    }
    for (auto& r : replicas_) {
      bool joined = eventually([&] { return cluster_state(get_json(r.port, "/api/status")) == "connected"; }, 10s);
      if (!joined) return fail(r.id + ": /api/status never showed the cluster connected");
    }
    return true;
  }

  // Waits until every alert each replica raised is claimed (or left to
  // another replica) and every claimed one is delivered; returns the sink's
  // messages then.
  bool alerts_settled(std::vector<keyward::fakes::WebhookMessage>* out, const std::string& when) {
    size_t delivered_expected = 0;
    bool settled = eventually(
        [&] {
          uint64_t handed_on = 0;
          for (auto& r : replicas_) {
            json st = get_json(r.port, "/api/status");
            uint64_t enqueued = alerts_enqueued(r.port);
            if (!st.is_object() || enqueued == UINT64_MAX) return false;
            const json& a = st["cluster"]["alerts"];
            if (!a.is_object()) return false;
            uint64_t claimed = a.value("claimed", 0ull), suppressed = a.value("suppressed", 0ull),
                     unclaimed = a.value("unclaimed", 0ull), dropped = a.value("dropped", 0ull);
            if (claimed + suppressed + unclaimed + dropped != enqueued) return false;
            if (st["store"].value("pending_deliveries", 1) != 0 || st["store"].value("unwritten", 1) != 0) return false;
            handed_on += claimed + unclaimed;
          }
          delivered_expected = handed_on;
          return sinks_->webhook()->messages().size() >= handed_on;
        },
        15s);
    *out = sinks_->webhook()->messages();
    return check(settled, when + ": the replicas' alerts did not settle within 15 s (" + std::to_string(out->size()) +
                              " at the sink, " + std::to_string(delivered_expected) + " handed on)");
  }

  // (b) Every key fails authentication; the first request reaches the three
  // replicas at once, as a load balancer spreads a burst.
  bool founding_scenario() {
    for (const auto& k : kFounding) world_->provider(k[0])->set_key_state(k[2], keyward::fakes::KeyState::revoked);
    std::vector<Answer> first(replicas_.size());
    {
      std::vector<std::thread> threads;
      for (size_t i = 0; i < replicas_.size(); ++i)
        threads.emplace_back([&, i] { first[i] = chat(replicas_[i].port, "Help me fix this bug"); });
      for (auto& t : threads) t.join();
    }
    for (size_t i = 0; i < replicas_.size(); ++i)
      check(emergency_answer(first[i]), replicas_[i].id + ": the first request got " + std::to_string(first[i].status) +
                                            " " + first[i].body + first[i].error + ", not the emergency answer");
    for (int round = 0; round < 3; ++round)
      for (auto& r : replicas_) {
        Answer a = chat(r.port, "again " + std::to_string(round));
        check(emergency_answer(a), r.id + ": a later request got " + std::to_string(a.status) + " " + a.body);
      }
    // One incident for the cluster.
    std::string incident;
    bool one = eventually(
        [&] {
          std::set<std::string> ids;
          for (auto& r : replicas_) {
            json st = get_json(r.port, "/api/status");
            if (!st.is_object() || st["incident"].value("state", "") != "open") return false;
            ids.insert(st["incident"].value("id", ""));
          }
          incident = *ids.begin();
          return ids.size() == 1;
        },
        10s);
    check(one, "the replicas do not share one open incident");

    std::vector<keyward::fakes::WebhookMessage> got;
    if (!alerts_settled(&got, "founding scenario")) return false;
    std::map<std::pair<std::string, std::string>, int> per_alert;
    std::map<std::string, int> per_kind;
    for (const auto& m : got) {
      std::string kind = m.body.value("kind", ""), subject = m.body.value("subject", "");
      if (++per_alert[{kind, subject}] == 1) ++per_kind[kind];
    }
    for (const auto& [alert, n] : per_alert)
      check(n == 1, "sent " + std::to_string(n) + " times, not once cluster-wide: " + alert.first + " \"" +
                        alert.second + "\"");
    // What one router alone raises for the founding scenario: each key's
    // authentication failure, each provider's, and the emergency.
    check(per_kind["key_auth_failed"] == 6,
          std::to_string(per_kind["key_auth_failed"]) + " key_auth_failed alerts, expected 6 (one per key)");
    check(per_kind["provider_all_keys_failed"] == 3,
          std::to_string(per_kind["provider_all_keys_failed"]) + " provider_all_keys_failed alerts, expected 3");
    check(per_kind["all_providers_failed"] == 1,
          std::to_string(per_kind["all_providers_failed"]) + " all_providers_failed alerts, expected 1");
    uint64_t suppressed = 0;
    for (auto& r : replicas_)
      suppressed += get_json(r.port, "/api/status")["cluster"]["alerts"].value("suppressed", 0ull);
    figures_.push_back("(b) founding scenario on 3 replicas: " + std::to_string(got.size()) + " alerts at the sink (" +
                       std::to_string(per_alert.size()) + " distinct), " + std::to_string(suppressed) +
                       " left to another replica's claim; incident " + incident);
    alerts_before_reload_ = got.size();
    return true;  // what went wrong is recorded; the replicas are fit for the next step
  }

  // The fix of the founding story: new Groq keys in .env, SIGHUP to every
  // replica. The incident resolves once for the cluster.
  bool new_keys_resolve_the_incident() {
    std::vector<std::pair<std::string, std::string>> keys;
    for (int i = 0; i < 3; ++i) {
      keys.emplace_back(kFounding[i][1], kNewGroq[i]);
      world_->provider("groq")->set_key_state(kNewGroq[i], keyward::fakes::KeyState::valid);
    }
    for (int i = 3; i < 6; ++i) keys.emplace_back(kFounding[i][1], kFounding[i][2]);
    write_env(keys);
    for (auto& r : replicas_) r.process.signal(SIGHUP);
    for (auto& r : replicas_) {
      bool serving = eventually([&] { return well_formed_success(chat(r.port, "after the fix")); }, 10s);
      if (!serving) return fail(r.id + ": no 200 within 10 s of SIGHUP with new keys");
    }
    bool resolved = eventually(
        [&] {
          for (auto& r : replicas_)
            if (get_json(r.port, "/api/status")["incident"].value("state", "") == "open") return false;
          return true;
        },
        10s);
    check(resolved, "the incident is still open on a replica after the new keys worked");
    std::vector<keyward::fakes::WebhookMessage> got;
    if (!alerts_settled(&got, "after the reload")) return false;
    int resolved_alerts = 0;
    for (size_t i = alerts_before_reload_; i < got.size(); ++i)
      if (got[i].body.value("kind", "") == "resolved") ++resolved_alerts;
    check(resolved_alerts == 1,
          std::to_string(resolved_alerts) + " RESOLVED alerts for the cluster's incident, expected 1");
    return true;
  }

  // Sends requests to `via` until the fake has seen a call with `secret`
  // (and answered it 401), then waits until every other replica's status
  // shows the key quarantined. Returns the key's call count then.
  bool quarantine_through(size_t via, int groq_index, uint64_t* calls_after, double* propagation_s) {
    const std::string secret = kNewGroq[groq_index - 1];
    auto* groq = world_->provider("groq");
    uint64_t before = groq->requests_for_key(secret);
    groq->set_key_state(secret, keyward::fakes::KeyState::revoked);
    const Replica& r = replicas_[via];
    bool called = false;
    for (int i = 0; i < 20 && !called; ++i) {
      Answer a = chat(r.port, "meets the revoked key " + std::to_string(i));
      check(well_formed_success(a),
            r.id + ": got " + std::to_string(a.status) + " " + a.body + a.error + " while good keys remain");
      called = groq->requests_for_key(secret) > before;
    }
    if (!called) return fail(r.id + ": 20 requests never called Groq key " + std::to_string(groq_index));
    auto t = Steady::now();
    if (!eventually([&] { return key_state(get_json(r.port, "/api/status"), "groq", groq_index) == "quarantined"; },
                    5s))
      return fail(r.id + ": Groq key " + std::to_string(groq_index) + " not quarantined after its 401");
    for (size_t i = 0; i < replicas_.size(); ++i) {
      if (i == via) continue;
      bool learnt = eventually(
          [&] { return key_state(get_json(replicas_[i].port, "/api/status"), "groq", groq_index) == "quarantined"; },
          5s);
      if (!learnt)
        return fail(replicas_[i].id + " never learnt of Groq key " + std::to_string(groq_index) + " quarantined by " +
                    r.id);
    }
    *propagation_s = seconds_since(t);
    *calls_after = groq->requests_for_key(secret);
    return true;
  }

  // The others answer from the good keys and never call the quarantined one.
  bool others_stay_off(size_t via, int groq_index, uint64_t calls_after, const std::string& step) {
    const std::string secret = kNewGroq[groq_index - 1];
    auto* groq = world_->provider("groq");
    for (size_t i = 0; i < replicas_.size(); ++i) {
      if (i == via) continue;
      for (int n = 0; n < 6; ++n) {
        Answer a = chat(replicas_[i].port, step + " " + std::to_string(n));
        check(well_formed_success(a), replicas_[i].id + ": got " + std::to_string(a.status) + " " + a.body + a.error);
      }
    }
    uint64_t now = groq->requests_for_key(secret);
    return check(now == calls_after, step + ": Groq key " + std::to_string(groq_index) + " quarantined by " +
                                         replicas_[via].id + " was called " + std::to_string(now - calls_after) +
                                         " more times by the other replicas");
  }

  // (a)
  bool quarantine_propagates() {
    uint64_t calls = 0;
    double s = 0;
    if (!quarantine_through(0, 1, &calls, &s)) return false;
    figures_.push_back("(a) Groq key 1 quarantined through r1: seen quarantined by r2 and r3 " +
                       std::to_string(static_cast<int>(s * 1000)) + " ms (status polling) after r1's status");
    return others_stay_off(0, 1, calls, "(a)");
  }

  // (c) The load goes on until every replica shows the cluster degraded and
  // kWhileDown requests were sent with Redis gone.
  static constexpr uint64_t kWhileDown = 5000;
  bool redis_killed_under_load() {
    std::atomic<bool> stop{false}, down{false};
    std::atomic<uint64_t> sent{0}, while_down{0}, ok{0}, emergency{0}, failed{0};
    std::mutex examples_mu;
    std::vector<std::string> examples;
    std::vector<std::thread> load;
    for (int c = 0; c < opt_.connections; ++c) {
      int port = replicas_[c % replicas_.size()].port;
      load.emplace_back([&, port, c] {
        httplib::Client cli("127.0.0.1", port);
        cli.set_tcp_nodelay(true);
        cli.set_keep_alive(true);
        cli.set_connection_timeout(2);
        cli.set_read_timeout(10);
        for (uint64_t n = 0; !stop.load(); ++n) {
          bool after_kill = down.load();
          auto r =
              cli.Post("/api/ai/chat", json{{"message", "load " + std::to_string(c) + "/" + std::to_string(n)}}.dump(),
                       "application/json");
          Answer a = r ? Answer{r->status, r->body, ""} : Answer{0, "", httplib::to_string(r.error())};
          ++sent;
          if (after_kill) ++while_down;
          if (well_formed_success(a)) {
            ++ok;
          } else if (emergency_answer(a)) {
            ++emergency;
          } else {
            ++failed;
            std::lock_guard lock(examples_mu);
            if (examples.size() < 5)
              examples.push_back(std::to_string(port) + ": " + std::to_string(a.status) + " " + a.body.substr(0, 200) +
                                 a.error);
          }
        }
      });
    }
    auto finish = [&] {
      stop = true;
      for (auto& t : load) t.join();
    };
    // Every connection under way before Redis goes.
    if (!eventually([&] { return sent.load() >= 300; }, 10s)) {
      finish();
      return fail("(c) the load never got going: " + std::to_string(sent.load()) + " answers in 10 s");
    }
    down = true;
    auto killed_at = Steady::now();
    kill_redis();
    std::vector<double> degraded_after(replicas_.size(), -1);
    bool all_degraded = eventually(
        [&] {
          bool all = true;
          for (size_t i = 0; i < replicas_.size(); ++i) {
            if (degraded_after[i] >= 0) continue;
            if (cluster_state(get_json(replicas_[i].port, "/api/status")) == "degraded")
              degraded_after[i] = seconds_since(killed_at);
            else
              all = false;
          }
          return all;
        },
        10s);
    // Enough traffic with Redis gone to mean something.
    eventually([&] { return while_down.load() >= kWhileDown; }, 15s);
    double down_s = seconds_since(killed_at);
    finish();
    for (size_t i = 0; i < replicas_.size(); ++i) {
      json st = get_json(replicas_[i].port, "/api/status");
      check(cluster_state(st) == "degraded" && st["cluster"]["degraded_reason"].is_string(),
            "(c) " + replicas_[i].id + ": /api/status does not show the cluster degraded with Redis killed: " +
                (st.is_object() ? st["cluster"].dump() : "no status"));
    }
    check(all_degraded, "(c) not every replica showed the cluster degraded within 10 s of the kill");
    check(failed.load() == 0, "(c) " + std::to_string(failed.load()) + " failed requests");
    check(emergency.load() == 0,
          "(c) " + std::to_string(emergency.load()) + " emergency answers although good keys were there");
    check(while_down.load() >= kWhileDown,
          "(c) only " + std::to_string(while_down.load()) + " requests sent with Redis down in 15 s: too few to judge");
    for (const auto& e : examples) problems_.push_back("(c) e.g. " + e);
    std::string degraded;
    for (size_t i = 0; i < replicas_.size(); ++i)
      degraded +=
          (i ? ", " : "") + replicas_[i].id + " " + std::to_string(static_cast<int>(degraded_after[i] * 1000)) + " ms";
    char line[400];
    std::snprintf(line, sizeof line,
                  "(c) Redis SIGKILLed under %d connections over 3 replicas: %llu requests sent while Redis was down "
                  "(%.2f s, %.0f req/s), failed %llu, emergency %llu, 200 %llu of %llu in all; degraded seen: %s",
                  opt_.connections, static_cast<unsigned long long>(while_down.load()), down_s,
                  while_down.load() / down_s, static_cast<unsigned long long>(failed.load()),
                  static_cast<unsigned long long>(emergency.load()), static_cast<unsigned long long>(ok.load()),
                  static_cast<unsigned long long>(sent.load()), degraded.c_str());
    figures_.push_back(line);
    return true;
  }

  // (d)
  bool redis_restarted() {
    auto t = Steady::now();
    if (!start_redis()) return false;
    std::vector<double> back_after(replicas_.size(), -1);
    bool all_back = eventually(
        [&] {
          bool all = true;
          for (size_t i = 0; i < replicas_.size(); ++i) {
            if (back_after[i] >= 0) continue;
            if (cluster_state(get_json(replicas_[i].port, "/api/status")) == "connected")
              back_after[i] = seconds_since(t);
            else
              all = false;
          }
          return all;
        },
        5s);
    if (!all_back) return fail("(d) not every replica showed the cluster connected within 5 s of Redis's restart");
    uint64_t calls = 0;
    double s = 0;
    if (!quarantine_through(1, 2, &calls, &s)) return false;
    std::string back;
    for (size_t i = 0; i < replicas_.size(); ++i)
      back += (i ? ", " : "") + replicas_[i].id + " " + std::to_string(static_cast<int>(back_after[i] * 1000)) + " ms";
    figures_.push_back("(d) Redis restarted: connected again after " + back +
                       "; Groq key 2 quarantined through r2 seen by r1 and r3 " +
                       std::to_string(static_cast<int>(s * 1000)) + " ms after r2's status");
    return others_stay_off(1, 2, calls, "(d)");
  }

  void stop_replicas() {
    for (auto& r : replicas_)
      if (r.process.pid() > 0 && !r.process.stop(10s))
        problems_.push_back(r.id + ": keyward serve did not exit cleanly within 10 s of SIGTERM");
    kill_redis();
  }

  static void print_file_tail(const std::string& name, const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    size_t from = lines.size() > 40 ? lines.size() - 40 : 0;
    std::printf("--- %s (%s), last %zu lines\n", name.c_str(), path.c_str(), lines.size() - from);
    for (size_t i = from; i < lines.size(); ++i) std::printf("  | %s\n", lines[i].c_str());
  }
  static void print_log_tail(const Replica& r) { print_file_tail(r.id, r.log_path); }

  Options opt_;
  keyward::RealClock clock_;
  std::string dir_, socket_, env_path_;
  std::unique_ptr<keyward::fakes::World> world_;
  std::unique_ptr<keyward::fakes::SinkFleet> sinks_;
  std::unique_ptr<keyward::fakes::RedisServer> redis_;
  std::array<Replica, 3> replicas_;  // not movable: each owns its process
  size_t alerts_before_reload_ = 0;
  std::vector<std::string> problems_, figures_;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--keep") {
      opt.keep = true;
      continue;
    }
    if (i + 1 >= argc) return usage("missing value after " + a);
    std::string v = argv[++i];
    if (a == "--keyward")
      opt.keyward = v;
    else if (a == "--connections")
      opt.connections = std::atoi(v.c_str());
    else
      return usage("unknown flag " + a);
  }
  if (opt.keyward.empty()) return usage("--keyward is required");
  if (opt.connections < 3 || opt.connections > 256) return usage("--connections must be 3..256");
  ::signal(SIGPIPE, SIG_IGN);
  Run run(std::move(opt));
  return run.main();
}
