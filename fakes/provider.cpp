#include "fakes/provider.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <sys/socket.h>

#include "base/assert.h"
#include "base/escape.h"
#include "base/key_mask.h"
#include "base/random.h"
#include "base/utc_time.h"
#include "fakes/control_api.h"
#include "fakes/providers/wire.h"
#include "fakes/server_support.h"

namespace keyward::fakes {

namespace {

constexpr std::size_t kMaxTrackedKeys = 10000;  // limit windows and per-key counters
constexpr std::chrono::milliseconds kMinute{60'000};

struct ActiveFault {
  int id;
  FaultSpec spec;
  FaultGate gate;
};

struct KeyUsage {
  std::deque<WallTime> minute;  // admitted requests in the last 60 s (bounded by the limit)
  std::int64_t day = -1;        // utc_day of day_count
  std::uint32_t day_count = 0;
};

struct KeyCount {
  std::uint64_t requests = 0;
  std::map<int, std::uint64_t> per_status;
};

enum class Admission { ok, minute_exceeded, day_exceeded };

std::string corrupt_json(const std::string& body) {
  // Keeps the length plausible but can never parse: a value is missing.
  if (body.empty()) return "{\"oops\":";
  return "{\"oops\":," + body.substr(1);
}

}  // namespace

nlohmann::json JournalEntry::to_json() const {
  return {{"seq", seq},       {"time", format_iso8601_ms(time)},
          {"method", method}, {"path", path},
          {"key", key},       {"key_hash", key_hash},
          {"status", status}, {"latency_us", latency_us},
          {"fault", fault},   {"stream", stream}};
}

nlohmann::json Counters::to_json() const {
  auto statuses = [](const std::map<int, std::uint64_t>& m) {
    nlohmann::json j = nlohmann::json::object();
    for (auto& [s, n] : m) j[std::to_string(s)] = n;
    return j;
  };
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : per_key) {
    keys.push_back({{"key", k.key},
                    {"key_hash", k.key_hash},
                    {"requests", k.requests},
                    {"per_status", statuses(k.per_status)}});
  }
  return {{"requests", requests}, {"per_status", statuses(per_status)}, {"per_key", keys}};
}

struct FakeProvider::Impl {
  Impl(ProviderOptions o, const Clock& c, ClockControl cc)
      : opts(std::move(o)), clock(c), control(std::move(cc)), wire(make_wire(opts.kind)) {
    model = opts.model.empty() ? wire->default_model() : opts.model;
    load_initial_state();
  }

  ProviderOptions opts;
  const Clock& clock;
  ClockControl control;
  std::unique_ptr<Wire> wire;
  std::string model;

  std::unique_ptr<httplib::Server> svr;
  std::thread thread;
  int port = 0;
  bool started = false;

  // Waits (latency, hang, stall) sleep on this so that stop() ends them at once.
  std::mutex wait_mu;
  std::condition_variable wait_cv;
  std::atomic<bool> stopping{false};
  std::atomic<int> in_flight{0};

  mutable std::mutex mu;  // guards everything below
  std::map<std::string, KeySpec> keys;
  KeyState default_state = KeyState::invalid;
  int variant = 0;
  std::vector<ActiveFault> faults;
  int next_fault_id = 1;
  std::unordered_map<std::string, KeyUsage> usage;
  std::vector<JournalEntry> ring;  // journal ring buffer
  std::size_t ring_next = 0;       // slot of the next entry once the ring is full
  std::uint64_t seq = 0;
  std::uint64_t total = 0;
  std::map<int, std::uint64_t> per_status;
  std::unordered_map<std::string, KeyCount> per_key;  // raw keys: in memory only, never shown
  std::uint64_t request_no = 0;

  void load_initial_state() {
    keys = opts.keys;
    default_state = opts.default_key_state;
    variant = opts.error_variant;
    faults.clear();
    next_fault_id = 1;
    for (const auto& f : opts.faults) add_fault_locked(f);
  }

  int add_fault_locked(FaultSpec spec) {
    int id = next_fault_id++;
    // Each fault's RNG derives from the provider seed and the fault id: the
    // same world and request order give the same decisions.
    std::uint64_t s = opts.seed ^ (0x51ed2701ULL * static_cast<std::uint64_t>(id));
    faults.push_back(ActiveFault{id, std::move(spec), FaultGate(splitmix64(s))});
    return id;
  }

  // Sleeps up to `d` (forever when `forever`); false if the server is stopping.
  bool wait_for(std::chrono::milliseconds d, bool forever = false) {
    std::unique_lock lock(wait_mu);
    if (forever) {
      wait_cv.wait(lock, [&] { return stopping.load(); });
    } else {
      wait_cv.wait_for(lock, d, [&] { return stopping.load(); });
    }
    return !stopping.load();
  }

  std::string request_id(std::uint64_t n) const {
    std::uint64_t s = opts.seed ^ (n * 0x9e3779b97f4a7c15ULL);
    std::uint64_t a = splitmix64(s), b = splitmix64(s);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
  }

  KeyUsage* usage_for(const std::string& key, WallTime now) {
    auto it = usage.find(key);
    if (it != usage.end()) return &it->second;
    if (usage.size() >= kMaxTrackedKeys) {
      std::int64_t today = utc_day(now);
      for (auto i = usage.begin(); i != usage.end();) {
        bool idle = i->second.day != today &&
                    (i->second.minute.empty() || i->second.minute.back() <= now - kMinute);
        i = idle ? usage.erase(i) : std::next(i);
      }
      if (usage.size() >= kMaxTrackedKeys) return nullptr;  // untracked: not limited
    }
    return &usage[key];
  }

  static void roll(KeyUsage& u, WallTime now) {
    std::int64_t day = utc_day(now);
    if (u.day != day) {
      u.day = day;
      u.day_count = 0;
    }
    while (!u.minute.empty() && u.minute.front() <= now - kMinute) u.minute.pop_front();
  }

  void fill_rate(const KeyUsage* u, WallTime now, RateInfo& r) const {
    r.rpm_limit = opts.limits.requests_per_minute;
    r.rpd_limit = opts.limits.requests_per_day;
    r.rpd_reset = (next_midnight_utc(now) - now);
    if (!u) return;
    r.rpm_used = static_cast<std::uint32_t>(u->minute.size());
    r.rpm_reset = u->minute.empty() ? std::chrono::milliseconds(0)
                                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                                          u->minute.front() + kMinute - now);
    r.rpd_used = u->day == utc_day(now) ? u->day_count : 0;
  }

  // Counts a chat request against the key's windows, or says which is full.
  Admission admit(const std::string& key, WallTime now, RateInfo& r) {
    KeyUsage* u = usage_for(key, now);
    if (!u) {
      fill_rate(nullptr, now, r);
      return Admission::ok;
    }
    roll(*u, now);
    Admission a = Admission::ok;
    const auto& lim = opts.limits;
    if (lim.requests_per_day && u->day_count >= lim.requests_per_day) {
      a = Admission::day_exceeded;
    } else if (lim.requests_per_minute && u->minute.size() >= lim.requests_per_minute) {
      a = Admission::minute_exceeded;
    } else {
      ++u->day_count;
      if (lim.requests_per_minute) u->minute.push_back(now);
    }
    // The minute window holds admitted requests only: never more than the limit.
    KEYWARD_ASSERT(!lim.requests_per_minute || u->minute.size() <= lim.requests_per_minute);
    fill_rate(u, now, r);
    return a;
  }

  void peek_rate(const std::string& key, WallTime now, RateInfo& r) {
    auto it = usage.find(key);
    if (it == usage.end()) {
      fill_rate(nullptr, now, r);
      return;
    }
    roll(it->second, now);
    fill_rate(&it->second, now, r);
  }

  void record(JournalEntry e, const std::string& raw_key) {
    std::lock_guard lock(mu);
    e.seq = ++seq;
    ++total;
    ++per_status[e.status];
    auto it = per_key.find(raw_key);
    if (it == per_key.end() && per_key.size() < kMaxTrackedKeys) {
      it = per_key.emplace(raw_key, KeyCount{}).first;
    }
    if (it != per_key.end()) {
      ++it->second.requests;
      ++it->second.per_status[e.status];
    }
    std::size_t cap = std::max<std::size_t>(opts.journal_limit, 1);
    if (ring.size() < cap) {
      ring.push_back(std::move(e));
    } else {
      KEYWARD_ASSERT(ring.size() == cap && ring_next < cap);
      ring[ring_next] = std::move(e);
      ring_next = (ring_next + 1) % cap;
    }
  }

  void handle(const httplib::Request& req, httplib::Response& res);
  void respond_stream(const httplib::Request& req, httplib::Response& res, StreamAnswer stream,
                      const FaultEffect& fx);
};

void FakeProvider::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  ++in_flight;
  struct Leave {
    std::atomic<int>& n;
    ~Leave() { --n; }
  } leave{in_flight};
  const auto t0 = std::chrono::steady_clock::now();
  const WallTime arrived = clock.wall();
  const RouteMatch rm = wire->route(req.method, req.path);
  const std::string key = wire->api_key(req);

  WireContext ctx;
  ctx.provider_name = opts.name;
  ctx.now = arrived;
  ctx.masked_key = key.empty() ? "" : mask_key(key);
  ChatRequest chat;
  Answer bad_request;
  bool parsed = true;
  if (rm.route == Route::chat) parsed = wire->parse_chat(req, rm, chat, bad_request, ctx);
  ctx.model = chat.model.empty() ? model : chat.model;
  const bool streaming = rm.route == Route::chat && parsed && chat.stream;

  FaultEffect fx;
  KeySpec spec;
  std::uint64_t n = 0;
  {
    std::lock_guard lock(mu);
    n = ++request_no;
    for (auto& f : faults) {
      if (f.gate.admit(f.spec, key, req.path, streaming)) f.spec.fault->apply(fx, f.gate.rng());
    }
    auto it = keys.find(key);
    // A state with an end recovers on its own once the fake's clock passes it.
    if (it != keys.end() && it->second.until && arrived >= *it->second.until) it->second = KeySpec{};
    spec = it != keys.end() ? it->second : KeySpec{default_state, -1, std::nullopt};
    if (spec.variant < 0) spec.variant = variant;
  }
  ctx.request_id = request_id(n);
  ctx.variant = spec.variant;

  JournalEntry entry;
  entry.time = arrived;
  entry.request_no = n;
  entry.method = req.method;
  entry.path = printable_ascii(req.path);
  entry.key = ctx.masked_key;
  entry.key_hash = key.empty() ? "" : key_fingerprint(key);
  entry.fault = fx.applied;
  entry.stream = streaming;
  auto finish = [&](int status) {
    entry.status = status;
    entry.latency_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    record(std::move(entry), key);
  };

  auto delay = std::chrono::milliseconds(opts.latency_ms) + fx.delay;
  if (delay.count() > 0 && !wait_for(delay)) {
    drop_connection(req, false);
    return finish(0);
  }
  if (fx.hang) {
    wait_for(fx.hang_for, fx.hang_for.count() == 0);
    drop_connection(req, false);
    return finish(0);
  }
  if (fx.drop != FaultEffect::Drop::none) {
    drop_connection(req, fx.drop == FaultEffect::Drop::reset);
    return finish(0);
  }

  Answer answer;
  RateInfo rate;
  bool success = false;
  bool rate_filled = false;
  if (fx.status) {
    ctx.message = fx.status_message;
    answer = wire->status_error(fx.status, ctx);
    if (fx.status_headers) answer.headers = *fx.status_headers;
  } else if (rm.route == Route::not_found) {
    answer = wire->not_found(req.method, req.path, ctx);
  } else if (key.empty()) {
    answer = wire->missing_key(ctx);
  } else if (is_auth_failure(spec.state)) {
    answer = wire->key_rejected(spec.state, ctx);
  } else if (rm.route == Route::models) {
    // Listing models spends no quota: a validation ping succeeds for an
    // exhausted or rate-limited key, as it does for real.
    answer = wire->models(ctx);
  } else if (spec.state == KeyState::rate_limited) {
    auto limit = opts.limits.requests_per_minute ? opts.limits.requests_per_minute : 30;
    auto wait = spec.until ? std::chrono::duration_cast<std::chrono::milliseconds>(*spec.until - arrived)
                : opts.rate_limited_retry.count() > 0 ? opts.rate_limited_retry
                                                      : std::chrono::milliseconds(opts.rate_limited_retry_s * 1000LL);
    answer = wire->rate_limited(wait, limit, limit, ctx);
  } else if (spec.state == KeyState::quota_exhausted) {
    auto limit = opts.limits.requests_per_day ? opts.limits.requests_per_day : 1000;
    WallTime reset = spec.until ? *spec.until : next_midnight_utc(arrived);
    answer = wire->quota_exhausted(std::chrono::duration_cast<std::chrono::milliseconds>(reset - arrived), limit,
                                   limit, ctx);
  } else {
    Admission a;
    {
      std::lock_guard lock(mu);
      a = admit(key, arrived, rate);
    }
    rate_filled = true;
    if (a == Admission::day_exceeded) {
      answer = wire->quota_exhausted(rate.rpd_reset, rate.rpd_limit, rate.rpd_used, ctx);
    } else if (a == Admission::minute_exceeded) {
      answer = wire->rate_limited(rate.rpm_reset, rate.rpm_limit, rate.rpm_used, ctx);
    } else if (!parsed) {
      answer = bad_request;
    } else {
      success = true;
    }
  }
  if (!rate_filled) {
    std::lock_guard lock(mu);
    peek_rate(key, arrived, rate);
  }

  std::string content;
  if (success) {
    content = answer_text(opts.name, opts.seed, chat.prompt);
    std::uint32_t words = 0;
    for (char c : content) words += c == ' ';
    rate.tokens = static_cast<std::uint32_t>(chat.prompt_tokens) + words + 1;
  }
  // Headers every answer of this provider carries (Groq: on every response).
  Answer headers_only;
  wire->add_rate_headers(headers_only, rate);
  if (wire->kind() != ProviderKind::gemini) {
    headers_only.headers.emplace_back("x-request-id", "req_" + ctx.request_id.substr(0, 26));
  }
  for (auto& [k, v] : headers_only.headers) res.set_header(k, v);

  if (success && streaming) {
    auto stream = wire->chat_stream(chat, stream_pieces(content), ctx);
    respond_stream(req, res, std::move(stream), fx);
    return finish(200);
  }
  if (success) answer = wire->chat(chat, content, ctx);

  for (auto& [k, v] : answer.headers) res.set_header(k, v);
  res.status = answer.status;
  std::string body = fx.malformed_json ? corrupt_json(answer.body) : std::move(answer.body);
  if (fx.truncate_percent >= 0) {
    std::size_t keep = body.size() * static_cast<std::size_t>(fx.truncate_percent) / 100;
    auto shared = std::make_shared<std::string>(std::move(body));
    res.set_content_provider(
        shared->size(), answer.content_type,
        [shared, keep](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
          if (offset >= keep) return false;  // announced length not met: the client sees a cut
          sink.write(shared->data() + offset, std::min(length, keep - offset));
          return true;
        });
  } else {
    res.set_content(std::move(body), answer.content_type);
  }
  finish(answer.status);
}

void FakeProvider::Impl::respond_stream(const httplib::Request&, httplib::Response& res,
                                        StreamAnswer stream, const FaultEffect& fx) {
  struct State {
    std::vector<std::string> frames;
    std::size_t next = 0;
    long stall_after = -1;
    std::chrono::milliseconds stall_for{0};
    long cut_after = -1;
    std::size_t cut_bytes = 0;  // truncated_body: bytes of the cut frame still sent
  };
  auto st = std::make_shared<State>();
  st->frames = std::move(stream.frames);
  st->stall_after = fx.stall_after_chunks;
  st->stall_for = fx.stall_for;
  st->cut_after = fx.cut_after_chunks;
  if (fx.malformed_json && !st->frames.empty()) {
    auto& f = st->frames.front();
    auto brace = f.find('{');
    if (brace != std::string::npos) f.insert(brace + 1, "\"oops\":,");
  }
  if (fx.truncate_percent >= 0 && !st->frames.empty()) {
    // Cut in the middle of a frame: the reader sees half a JSON document.
    long at = static_cast<long>(st->frames.size() / 2);
    if (st->cut_after < 0 || at < st->cut_after) {
      st->cut_after = at;
      st->cut_bytes = st->frames[static_cast<std::size_t>(at)].size() *
                      static_cast<std::size_t>(fx.truncate_percent) / 100;
    }
  }
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      stream.content_type, [st, this](std::size_t, httplib::DataSink& sink) {
        if (static_cast<long>(st->next) == st->cut_after) {
          if (st->cut_bytes) sink.write(st->frames[st->next].data(), st->cut_bytes);
          return false;  // closes the connection without the terminating chunk
        }
        if (static_cast<long>(st->next) == st->stall_after) {
          wait_for(st->stall_for, st->stall_for.count() == 0);
          return false;
        }
        if (st->next >= st->frames.size()) {
          sink.done();
          return true;
        }
        if (!sink.write(st->frames[st->next].data(), st->frames[st->next].size())) return false;
        if (++st->next == st->frames.size() && st->cut_after < 0 && st->stall_after < 0) {
          sink.done();
        }
        return true;
      });
}

FakeProvider::FakeProvider(ProviderOptions options, const Clock& clock, ClockControl control)
    : impl_(std::make_unique<Impl>(std::move(options), clock, std::move(control))) {}

FakeProvider::~FakeProvider() { stop(); }

void FakeProvider::start() {
  Impl& im = *impl_;
  if (im.started) return;
  im.stopping = false;
  im.svr = im.opts.tls ? make_tls_server() : std::make_unique<httplib::Server>();
  auto& svr = *im.svr;
  std::size_t max_threads = im.opts.max_threads;
  svr.new_task_queue = [max_threads] { return new ElasticPool(max_threads); };
  // Without TCP_NODELAY a keep-alive round trip costs tens of milliseconds
  // (Nagle against delayed ACKs).
  svr.set_tcp_nodelay(true);
  svr.set_keep_alive_timeout(static_cast<time_t>(im.opts.keep_alive_timeout_s));
  svr.set_keep_alive_max_count(100000);
  svr.set_payload_max_length(im.opts.max_body_bytes);
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // fake (or a stale one) silently share a fixed port; SO_REUSEADDR only.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  install_control_api(svr, *this);
  auto handler = [&im](const httplib::Request& req, httplib::Response& res) {
    im.handle(req, res);
  };
  svr.Get(".*", handler);
  svr.Post(".*", handler);
  svr.Put(".*", handler);
  svr.Patch(".*", handler);
  svr.Delete(".*", handler);

  int port = im.opts.port == 0 ? svr.bind_to_any_port(im.opts.host)
                               : (svr.bind_to_port(im.opts.host, im.opts.port) ? im.opts.port : -1);
  if (port <= 0) {
    im.svr.reset();
    throw std::runtime_error("fake provider '" + im.opts.name + "': cannot listen on " +
                             im.opts.host + ":" + std::to_string(im.opts.port));
  }
  im.port = port;
  im.thread = std::thread([&svr] { svr.listen_after_bind(); });
  // stop() is a no-op until the server runs, so do not return before it does.
  while (!svr.is_running()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  im.started = true;
}

void FakeProvider::stop() {
  Impl& im = *impl_;
  if (!im.started) return;
  {
    std::lock_guard lock(im.wait_mu);
    im.stopping = true;
  }
  im.wait_cv.notify_all();
  im.svr->stop();
  // Idle keep-alive connections would otherwise hold the workers (and so
  // this join) until their keep-alive timeout.
  shutdown_connections(im.port);
  if (im.thread.joinable()) im.thread.join();
  im.svr.reset();
  im.started = false;
}

const std::string& FakeProvider::name() const { return impl_->opts.name; }
ProviderKind FakeProvider::kind() const { return impl_->opts.kind; }
int FakeProvider::port() const { return impl_->port; }
const ProviderOptions& FakeProvider::options() const { return impl_->opts; }

std::string FakeProvider::root_url() const {
  std::string host = impl_->opts.host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return std::string(impl_->opts.tls ? "https" : "http") + "://" + host + ":" +
         std::to_string(impl_->port);
}

std::string FakeProvider::base_url() const { return root_url() + impl_->wire->path_prefix(); }

bool FakeProvider::set_key_state(const std::string& key, KeyState state, int variant,
                                 std::optional<WallTime> until) {
  std::lock_guard lock(impl_->mu);
  if (impl_->keys.size() >= kMaxKeys && !impl_->keys.count(key)) return false;
  impl_->keys[key] = KeySpec{state, variant, until};
  return true;
}

WallTime FakeProvider::next_reset(WallTime now) { return next_midnight_utc(now); }

void FakeProvider::remove_key(const std::string& key) {
  std::lock_guard lock(impl_->mu);
  impl_->keys.erase(key);
}

void FakeProvider::set_default_key_state(KeyState state) {
  std::lock_guard lock(impl_->mu);
  impl_->default_state = state;
}

KeyState FakeProvider::key_state(const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->keys.find(key);
  return it != impl_->keys.end() ? it->second.state : impl_->default_state;
}

void FakeProvider::set_error_variant(int variant) {
  std::lock_guard lock(impl_->mu);
  impl_->variant = variant;
}

int FakeProvider::add_fault(FaultSpec spec) {
  std::lock_guard lock(impl_->mu);
  if (impl_->faults.size() >= kMaxFaults) return 0;
  return impl_->add_fault_locked(std::move(spec));
}

bool FakeProvider::remove_fault(int id) {
  std::lock_guard lock(impl_->mu);
  auto& f = impl_->faults;
  auto it = std::find_if(f.begin(), f.end(), [id](const ActiveFault& a) { return a.id == id; });
  if (it == f.end()) return false;
  f.erase(it);
  return true;
}

void FakeProvider::clear_faults() {
  std::lock_guard lock(impl_->mu);
  impl_->faults.clear();
}

std::vector<std::pair<int, FaultSpec>> FakeProvider::faults() const {
  std::lock_guard lock(impl_->mu);
  std::vector<std::pair<int, FaultSpec>> out;
  for (const auto& f : impl_->faults) out.emplace_back(f.id, f.spec);
  return out;
}

std::uint64_t FakeProvider::fault_fired(int id) const {
  std::lock_guard lock(impl_->mu);
  for (const auto& f : impl_->faults)
    if (f.id == id) return f.gate.fired();
  return 0;
}

bool FakeProvider::clock_adjustable() const { return static_cast<bool>(impl_->control); }

bool FakeProvider::advance_clock(std::chrono::milliseconds d) {
  if (!impl_->control) return false;
  impl_->control.advance(d);
  return true;
}

bool FakeProvider::set_clock(WallTime t) {
  if (!impl_->control) return false;
  impl_->control.set(t);
  return true;
}

WallTime FakeProvider::now() const { return impl_->clock.wall(); }

void FakeProvider::reset() {
  std::lock_guard lock(impl_->mu);
  auto& im = *impl_;
  im.load_initial_state();
  im.usage.clear();
  im.ring.clear();
  im.ring_next = 0;
  im.total = 0;
  im.per_status.clear();
  im.per_key.clear();
  // seq keeps counting so that a journal reader's "after" cursor stays valid.
}

std::vector<JournalEntry> FakeProvider::journal(std::uint64_t after_seq, std::size_t limit) const {
  std::lock_guard lock(impl_->mu);
  const auto& im = *impl_;
  std::vector<JournalEntry> out;
  std::size_t n = im.ring.size();
  for (std::size_t i = 0; i < n && out.size() < limit; ++i) {
    const auto& e = im.ring[(im.ring_next + i) % n];
    if (e.seq > after_seq) out.push_back(e);
  }
  return out;
}

Counters FakeProvider::counters() const {
  std::lock_guard lock(impl_->mu);
  Counters c;
  c.requests = impl_->total;
  c.per_status = impl_->per_status;
  for (const auto& [raw, kc] : impl_->per_key) {
    c.per_key.push_back({raw.empty() ? "" : mask_key(raw), raw.empty() ? "" : key_fingerprint(raw),
                         kc.requests, kc.per_status});
  }
  std::sort(c.per_key.begin(), c.per_key.end(),
            [](const auto& a, const auto& b) { return a.key_hash < b.key_hash; });
  return c;
}

std::uint64_t FakeProvider::requests_for_key(const std::string& raw_key) const {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->per_key.find(raw_key);
  return it == impl_->per_key.end() ? 0 : it->second.requests;
}

int FakeProvider::in_flight() const { return impl_->in_flight.load(); }

std::uint64_t FakeProvider::arrivals() const {
  std::lock_guard lock(impl_->mu);
  return impl_->request_no;
}

nlohmann::json FakeProvider::state_json() const {
  nlohmann::json faults_json = nlohmann::json::array();
  for (auto& [id, spec] : faults()) {
    auto j = spec.to_json();
    j["id"] = id;
    j["fired"] = fault_fired(id);
    faults_json.push_back(j);
  }
  std::lock_guard lock(impl_->mu);
  const auto& im = *impl_;
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& [k, s] : im.keys) {
    keys.push_back({{"key", mask_key(k)},
                    {"key_hash", key_fingerprint(k)},
                    {"state", to_string(s.state)},
                    {"variant", s.variant}});
  }
  return {
      {"name", im.opts.name},
      {"kind", to_string(im.opts.kind)},
      {"base_url", base_url()},
      {"model", im.model},
      {"default_key_state", to_string(im.default_state)},
      {"error_variant", im.variant},
      {"keys", keys},
      {"faults", faults_json},
      {"limits",
       {{"requests_per_minute", im.opts.limits.requests_per_minute},
        {"requests_per_day", im.opts.limits.requests_per_day}}},
      {"clock",
       {{"now", format_iso8601_ms(im.clock.wall())}, {"adjustable", static_cast<bool>(im.control)}}}};
}

}  // namespace keyward::fakes
