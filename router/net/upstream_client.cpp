#include "router/net/upstream_client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/flat_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>  // boost/asio headers need it first with g++ 12 (Boost 1.74)

#include "base/key_mask.h"
#include "router/net/event_loop.h"
#include "router/net/upstream_errors.h"

namespace keyward::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using Tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;
// flat_stream: OpenSSL writes one record per buffer, so a request handed over
// as several buffers (head fields, body) would leave as several records and
// segments; flattened, it is one.
using TlsStream = beast::flat_stream<asio::ssl::stream<Tcp::socket>>;
using Parser = http::response_parser<http::buffer_body>;

void scrub_secret(std::string& text, const std::string& secret) {
  if (secret.size() < 4) return;  // too short to be a real key; masking would mangle text
  const std::string masked = mask_key(secret);
  for (size_t pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos + masked.size()))
    text.replace(pos, secret.size(), masked);
}

namespace {

// Raw bytes beyond a head that one read may bring: bounds the read buffer.
constexpr size_t kReadChunk = 16 << 10;
// How long close_idle() and the destructor wait for a loop to run their task.
constexpr auto kLoopTaskWait = std::chrono::seconds(10);

// One connection to an origin. It never moves between loops.
struct Connection {
  Connection(asio::io_context& io, asio::ssl::context* tls_context, size_t max_buffer) : plain(io), buffer(max_buffer) {
    if (tls_context) tls = std::make_unique<TlsStream>(io, *tls_context);
    // Beast reads as much as the buffer has room for (at least 512 bytes):
    // room for a whole ordinary answer makes it one recv, not one per 512 bytes.
    buffer.reserve(kReadChunk);
  }
  Tcp::socket& socket() { return tls ? tls->next_layer().next_layer() : plain; }
  // Runs `f` with the stream the HTTP exchange goes over.
  template <class F>
  void with_stream(F&& f) {
    if (tls)
      f(*tls);
    else
      f(plain);
  }
  // Cancels whatever is pending on the socket; the object stays valid for the
  // handlers that still hold it.
  void close() {
    ErrorCode ignored;
    socket().close(ignored);
  }
  // For an idle connection before reuse: nothing arrived while it sat idle.
  // A FIN, a reset, a TLS close_notify or unasked bytes all make it unusable.
  bool quiet() {
    if (!socket().is_open()) return false;
    pollfd p{socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  Tcp::socket plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;  // bytes read but not parsed; empty between exchanges
  // Where the parser puts body bytes for the call that holds the connection:
  // one per connection, so a kept-alive connection's calls allocate none.
  std::array<char, kReadChunk> chunk;
  SteadyClock::time_point idle_since{};
};

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Header values go out with CR, LF and NUL as spaces: a key read from a quoted
// .env value may hold "\n", and must not start a header of its own.
std::string header_safe(const std::string& value) {
  std::string out = value;
  for (char& c : out)
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  return out;
}

// The request target: bytes that would end or split the request line
// (controls, space) are percent-encoded; the rest goes as written.
std::string target_safe(const std::string& target) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(target.size());
  for (unsigned char c : target) {
    if (c <= 0x20 || c == 0x7f) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace

// What every loop's state shares: options, the TLS context, the idle count.
struct UpstreamClient::Shared {
  explicit Shared(UpstreamOptions o) : options(o) {}

  // The TLS settings every connection shares, made on the first https call:
  // loading the system CA store takes tens of milliseconds.
  asio::ssl::context& tls() {
    std::call_once(tls_once, [this] {
      tls_context.emplace(asio::ssl::context::tls_client);
      SSL_CTX_set_min_proto_version(tls_context->native_handle(), TLS1_2_VERSION);
      ErrorCode ignored;
      if (options.tls_verify) {
        // The system CA store (SSL_CERT_FILE / SSL_CERT_DIR override it, e.g.
        // for an egress proxy's own CA); the host name is checked per connection.
        tls_context->set_default_verify_paths(ignored);
        tls_context->set_verify_mode(asio::ssl::verify_peer, ignored);
      } else {
        tls_context->set_verify_mode(asio::ssl::verify_none, ignored);
      }
    });
    return *tls_context;
  }

  UpstreamOptions options;
  std::once_flag tls_once;
  std::optional<asio::ssl::context> tls_context;
  std::atomic<size_t> idle{0};
  std::atomic<bool> closed{false};  // the client is gone: no new call starts
};

class Call;

// One loop's pool and calls. Touched only on that loop's thread.
struct UpstreamClient::LoopState : std::enable_shared_from_this<LoopState> {
  LoopState(asio::io_context& i, std::shared_ptr<Shared> s) : io(i), shared(std::move(s)), deadline_timer(i) {}
  ~LoopState() { close_idle(); }

  // An idle connection to `origin` that is young and quiet, or null.
  std::unique_ptr<Connection> take(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    const auto now = SteadyClock::now();
    auto& v = it->second;
    while (!v.empty()) {
      std::unique_ptr<Connection> c = std::move(v.back());
      v.pop_back();
      shared->idle.fetch_sub(1, std::memory_order_relaxed);
      if (now - c->idle_since <= shared->options.max_idle && c->quiet()) return c;
      // Too old, or closed by the server meanwhile: dropped (closed), the next one is tried.
    }
    return nullptr;
  }
  void put(const std::string& origin, std::unique_ptr<Connection> c) {
    if (closed) return;
    auto& v = idle[origin];
    if (v.size() >= shared->options.max_idle_per_origin) return;
    c->idle_since = SteadyClock::now();
    v.push_back(std::move(c));
    shared->idle.fetch_add(1, std::memory_order_relaxed);
  }
  void close_idle() {
    for (auto& [_, v] : idle) shared->idle.fetch_sub(v.size(), std::memory_order_relaxed);
    idle.clear();
  }
  void shut_down();

  // Deadlines: one timer per loop, at the earliest deadline of the calls in
  // flight (or of calls that ended since: it then fires for nothing and moves
  // on to the next). A call that starts after another with the same timeout
  // ends later, so the usual call sets no timer at all: no timerfd_settime
  // per call, and no cancelled wait left to run when it ends.
  void watch(SteadyClock::time_point at) {
    if (at >= armed_for) return;
    armed_for = at;
    deadline_timer.expires_at(at);
    deadline_timer.async_wait([self = shared_from_this()](const ErrorCode& ec) {
      if (!ec) self->on_deadline();
    });
  }
  // Ends the calls whose deadline passed; watches for the next one.
  void on_deadline();
  void stop_watching() {
    armed_for = SteadyClock::time_point::max();
    deadline_timer.cancel();
  }

  asio::io_context& io;
  std::shared_ptr<Shared> shared;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;
  // Calls started and not finished, as an intrusive list (no allocation per call).
  Call* active = nullptr;
  void enlist(Call* c);
  void delist(Call* c);
  bool closed = false;  // the client is gone: no new call starts
  asio::steady_timer deadline_timer;
  SteadyClock::time_point armed_for = SteadyClock::time_point::max();  // max: not armed
};

// One provider call: a chain of asynchronous steps on one loop, raced by its
// deadline (watched by the loop's timer). Handlers hold the call (shared_ptr), so the sockets, the
// parser and the buffers outlive every operation that refers to them.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<UpstreamClient::LoopState> loop, const BaseUrl& base, UpstreamRequest request, Millis timeout,
       BodyConsumer on_2xx, UpstreamDone done)
      : loop_(std::move(loop)),
        options_(loop_->shared->options),
        base_(base),
        origin_(base.origin()),
        secret_(std::move(request.secret)),
        on_2xx_(std::move(on_2xx)),
        done_(std::move(done)),
        deadline_(SteadyClock::now() + std::max(timeout, Millis(1))) {
    request_.version(11);
    request_.method_string(request.method);
    request_.target(target_safe(base.prefix + request.path));
    request_.set(http::field::host, base.host_header());
    request_.set(http::field::user_agent, "keyward");
    for (const auto& [name, value] : request.headers) request_.set(header_safe(name), header_safe(value));
    if (!request.body.empty()) {
      request_.set(http::field::content_type, "application/json");
      request_.body() = std::move(request.body);
      request_.prepare_payload();
    }
  }

  // A call whose handlers were dropped unrun (its loop was destroyed first)
  // still ends exactly once.
  ~Call() {
    if (finished_) return;
    loop_->delist(this);
    AttemptResult r;
    r.transport = TransportError::connection_reset;
    if (done_) done_(std::move(r));
  }

  void start() {
    if (loop_->closed || loop_->shared->closed.load(std::memory_order_relaxed))
      return finish_with(TransportError::connect_failed);
    loop_->enlist(this);
    conn_ = loop_->take(origin_);
    if (!conn_) return connect();
    reused_ = true;
    arm(deadline_);
    send();
  }

  // From the client's shutdown: ends the call now.
  void abort(TransportError e) { fail(e); }

 private:
  // ---------------------------------------------------------------- deadline

  // The call ends with `timeout` if it is still running at `at`.
  void arm(SteadyClock::time_point at) {
    watch_until_ = at;
    loop_->watch(at);
  }

 public:
  SteadyClock::time_point watch_until() const { return watch_until_; }
  void expire() { fail(TransportError::timeout); }

 private:
  // ---------------------------------------------------------------- connect

  void connect() {
    phase_ = UpstreamPhase::resolve;
    arm(std::min(SteadyClock::now() + options_.connect_timeout, deadline_));
    conn_ = std::make_unique<Connection>(loop_->io, base_.tls() ? &loop_->shared->tls() : nullptr,
                                         options_.max_head_bytes + kReadChunk);
    const std::string host = base_.bare_host();
    ErrorCode ec;
    auto address = asio::ip::make_address(host, ec);
    if (!ec) {  // an IP literal (the fakes, a local gateway): no resolver round trip
      phase_ = UpstreamPhase::connect;
      conn_->socket().async_connect(Tcp::endpoint(address, static_cast<unsigned short>(base_.port)),
                                    [self = shared_from_this()](const ErrorCode& e) { self->on_connected(e); });
      return;
    }
    resolver_.emplace(loop_->io);
    resolver_->async_resolve(host, std::to_string(base_.port),
                             [self = shared_from_this()](const ErrorCode& e, Tcp::resolver::results_type results) {
                               self->on_resolved(e, std::move(results));
                             });
  }

  void on_resolved(const ErrorCode& ec, Tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return fail(upstream_transport_error(phase_, ec));
    phase_ = UpstreamPhase::connect;
    asio::async_connect(
        conn_->socket(), results,
        [self = shared_from_this()](const ErrorCode& e, const Tcp::endpoint&) { self->on_connected(e); });
  }

  void on_connected(const ErrorCode& ec) {
    if (finished_) return;
    if (ec) return fail(upstream_transport_error(phase_, ec));
    // Without TCP_NODELAY a keep-alive round trip waits ~40 ms for Nagle + delayed ACK.
    ErrorCode ignored;
    conn_->socket().set_option(Tcp::no_delay(true), ignored);
    // For the synchronous first try of each request write (send()): a full
    // send buffer must say would_block, not block the loop.
    conn_->socket().non_blocking(true, ignored);
    arm(deadline_);
    if (!conn_->tls) return send();
    phase_ = UpstreamPhase::tls;
    SSL* ssl = conn_->tls->next_layer().native_handle();
    const std::string host = base_.bare_host();
    ErrorCode not_ip;
    asio::ip::make_address(host, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(ssl, host.c_str());  // SNI is for names only
    if (options_.tls_verify) {
      int set =
          not_ip ? SSL_set1_host(ssl, host.c_str()) : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
      if (set != 1) return fail(TransportError::tls);
    }
    conn_->tls->next_layer().async_handshake(
        asio::ssl::stream_base::client, [self = shared_from_this()](const ErrorCode& e) { self->on_handshake(e); });
  }

  void on_handshake(const ErrorCode& ec) {
    if (finished_) return;
    if (ec) return fail(upstream_transport_error(phase_, ec));
    send();
  }

  // ---------------------------------------------------------------- exchange

  void send() {
    phase_ = UpstreamPhase::send;
    if (conn_->tls) {
      http::async_write(*conn_->tls, request_,
                        [self = shared_from_this()](const ErrorCode& e, size_t) { self->on_sent(e); });
      return;
    }
    // Plain TCP: a request nearly always fits the socket's send buffer, so it
    // is written now, in one sendmsg, rather than through a completion queued
    // on the loop (a handler and a non-blocking epoll_wait more per call).
    serializer_.emplace(request_);
    ErrorCode ec;
    http::write(conn_->plain, *serializer_, ec);  // the socket is non-blocking (on_connected)
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      http::async_write(conn_->plain, *serializer_,
                        [self = shared_from_this()](const ErrorCode& e, size_t) { self->on_sent(e); });
      return;
    }
    on_sent(ec);
  }

  void on_sent(const ErrorCode& ec) {
    if (finished_) return;
    if (ec) {
      if (reused_ && !retried_ && is_peer_closed(ec)) return retry();
      return fail(upstream_transport_error(phase_, ec));
    }
    phase_ = UpstreamPhase::head;
    new_parser();
    read_head();
  }

  void new_parser() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(options_.max_head_bytes, UINT32_MAX)));
    parser_->body_limit(options_.max_body_bytes);
  }

  void read_head() {
    conn_->with_stream([this](auto& stream) {
      http::async_read_header(stream, conn_->buffer, *parser_,
                              [self = shared_from_this()](const ErrorCode& e, size_t) { self->on_head(e); });
    });
  }

  void on_head(const ErrorCode& ec) {
    if (finished_) return;
    if (ec) {
      // A kept-alive connection the server closed just as it was reused: the
      // request never reached it, so it goes again once on a fresh connection.
      if (reused_ && !retried_ && !parser_->got_some() && is_peer_closed(ec)) return retry();
      return fail(upstream_transport_error(phase_, ec));
    }
    const auto& head = parser_->get();
    const int status = head.result_int();
    if (status >= 100 && status < 200 && status != 101) {  // interim (100 Continue, 103): the real one follows
      new_parser();
      return read_head();
    }
    result_.status = status;
    for (const auto& field : head) {
      std::string name(field.name_string());
      for (char& c : name) c = ascii_lower(c);
      result_.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    to_consumer_ = on_2xx_ && status >= 200 && status < 300;
    phase_ = UpstreamPhase::body;
    if (parser_->is_done()) return complete();
    read_body();
  }

  void read_body() {
    auto& body = parser_->get().body();
    body.data = conn_->chunk.data();
    body.size = conn_->chunk.size();
    conn_->with_stream([this](auto& stream) {
      // read_some, not read: a stream's bytes go on as soon as they arrive.
      http::async_read_some(stream, conn_->buffer, *parser_,
                            [self = shared_from_this()](const ErrorCode& e, size_t) { self->on_body(e); });
    });
  }

  void on_body(ErrorCode ec) {
    if (finished_) return;
    if (ec == http::error::need_buffer) ec = {};  // our chunk is full: hand it on, read again
    const size_t got = conn_->chunk.size() - parser_->get().body().size;
    if (got > 0 && !deliver(conn_->chunk.data(), got)) return;
    if (ec == asio::ssl::error::stream_truncated && parser_->need_eof()) {
      // A body that runs to the end of the connection, over TLS, ended with a
      // plain TCP close (no close_notify), as many servers do.
      ec = {};
      parser_->put_eof(ec);
      if (!ec) return complete();
    }
    if (ec) return fail(upstream_transport_error(phase_, ec));
    if (parser_->is_done()) return complete();
    read_body();
  }

  // False when the call ended (too large, or the consumer aborted it).
  bool deliver(const char* data, size_t size) {
    body_bytes_ += size;
    if (body_bytes_ > options_.max_body_bytes) {
      fail(TransportError::body_too_large);
      return false;
    }
    if (!to_consumer_) {
      result_.body.append(data, size);
      return true;
    }
    TransportError e = on_2xx_(data, size);
    if (e != TransportError::none) {
      fail(e);
      return false;
    }
    return !finished_;
  }

  void complete() {
    // Reusable: the body was framed and read to its end, nothing followed it,
    // and neither side said close.
    const bool reusable =
        parser_->is_done() && parser_->get().keep_alive() && !parser_->need_eof() && conn_->buffer.size() == 0;
    if (reusable)
      loop_->put(origin_, std::move(conn_));
    else
      conn_.reset();  // nothing is pending on it: closed here
    finish(std::move(result_));
  }

  void retry() {
    retried_ = true;
    reused_ = false;
    conn_.reset();  // the operation that failed on it was its last
    connect();
  }

  // ---------------------------------------------------------------- end

  void fail(TransportError e) {
    if (finished_) return;
    result_.transport = e;
    if (conn_) conn_->close();  // pending operations end with operation_aborted; they see finished_
    if (resolver_) resolver_->cancel();
    finish(std::move(result_));
  }

  void finish_with(TransportError e) {
    AttemptResult r;
    r.transport = e;
    finish(std::move(r));
  }

  void finish(AttemptResult r) {
    if (finished_) return;
    finished_ = true;
    loop_->delist(this);
    scrub_secret(r.body, secret_);
    for (auto& [_, value] : r.headers) scrub_secret(value, secret_);
    UpstreamDone done = std::move(done_);
    on_2xx_ = nullptr;  // the consumer's state can go now
    done(std::move(r));
  }

  std::shared_ptr<UpstreamClient::LoopState> loop_;
  const UpstreamOptions& options_;
  BaseUrl base_;
  std::string origin_;
  std::string secret_;
  BodyConsumer on_2xx_;
  UpstreamDone done_;
  const SteadyClock::time_point deadline_;

  http::request<http::string_body> request_;
  std::optional<http::request_serializer<http::string_body>> serializer_;  // plain TCP: the request being written
  SteadyClock::time_point watch_until_ = SteadyClock::time_point::max();
  friend struct UpstreamClient::LoopState;  // its list of active calls
  Call* prev_active_ = nullptr;
  Call* next_active_ = nullptr;
  bool listed_ = false;
  std::optional<Tcp::resolver> resolver_;
  std::unique_ptr<Connection> conn_;
  std::optional<Parser> parser_;

  UpstreamPhase phase_ = UpstreamPhase::resolve;
  AttemptResult result_;
  size_t body_bytes_ = 0;
  bool to_consumer_ = false;
  bool reused_ = false;
  bool retried_ = false;
  bool finished_ = false;
};

void UpstreamClient::LoopState::enlist(Call* c) {
  c->prev_active_ = nullptr;
  c->next_active_ = active;
  if (active) active->prev_active_ = c;
  active = c;
  c->listed_ = true;
}

void UpstreamClient::LoopState::delist(Call* c) {
  if (!c->listed_) return;
  if (c->prev_active_)
    c->prev_active_->next_active_ = c->next_active_;
  else
    active = c->next_active_;
  if (c->next_active_) c->next_active_->prev_active_ = c->prev_active_;
  c->prev_active_ = c->next_active_ = nullptr;
  c->listed_ = false;
}

void UpstreamClient::LoopState::on_deadline() {
  armed_for = SteadyClock::time_point::max();
  const auto now = SteadyClock::now();
  std::vector<std::shared_ptr<Call>> expired;
  auto next = SteadyClock::time_point::max();
  for (Call* c = active; c; c = c->next_active_) {
    if (c->watch_until() <= now)
      expired.push_back(c->shared_from_this());
    else
      next = std::min(next, c->watch_until());
  }
  if (next != SteadyClock::time_point::max()) watch(next);
  for (auto& c : expired) c->expire();  // their `done` may start calls: they watch for themselves
}

void UpstreamClient::LoopState::shut_down() {
  closed = true;
  stop_watching();
  close_idle();
  std::vector<Call*> calls;
  for (Call* c = active; c; c = c->next_active_) calls.push_back(c);
  for (Call* c : calls) c->abort(TransportError::connection_reset);
}

// ---------------------------------------------------------------- calling threads

namespace {

// A calling thread's own io_context and pool for one client (call_here).
struct CallerLoop {
  explicit CallerLoop(std::shared_ptr<UpstreamClient::Shared> shared)
      : state(std::make_shared<UpstreamClient::LoopState>(io, std::move(shared))) {}
  ~CallerLoop() {
    state->stop_watching();
    state->close_idle();
    io.restart();
    io.poll();  // the handlers the last call left: then no call refers to the state
  }
  asio::io_context io{1};
  std::shared_ptr<UpstreamClient::LoopState> state;  // after io: closed before it
};

thread_local std::vector<std::unique_ptr<CallerLoop>> t_caller_loops;

// This thread's loop for `shared`'s client; loops of clients that are gone are dropped.
CallerLoop& caller_loop(const std::shared_ptr<UpstreamClient::Shared>& shared) {
  CallerLoop* found = nullptr;
  for (auto it = t_caller_loops.begin(); it != t_caller_loops.end();) {
    if ((*it)->state->shared == shared) {
      found = it->get();
      ++it;
    } else if ((*it)->state->shared->closed.load(std::memory_order_relaxed)) {
      it = t_caller_loops.erase(it);
    } else {
      ++it;
    }
  }
  if (found) return *found;
  t_caller_loops.push_back(std::make_unique<CallerLoop>(shared));
  return *t_caller_loops.back();
}

}  // namespace

// ---------------------------------------------------------------- client

UpstreamClient::UpstreamClient(EventLoop& loops, UpstreamOptions options)
    : loops_(loops), shared_(std::make_shared<Shared>(options)) {
  for (size_t i = 0; i < loops_.size(); ++i) states_.push_back(std::make_shared<LoopState>(loops_.context(i), shared_));
}

UpstreamClient::~UpstreamClient() {
  shared_->closed = true;
  on_every_loop([](LoopState& s) { s.shut_down(); });
  // This thread's own pool for the client, if it made calls here.
  std::erase_if(t_caller_loops, [&](const auto& c) { return c->state->shared == shared_; });
}

const UpstreamOptions& UpstreamClient::options() const { return shared_->options; }

size_t UpstreamClient::idle_count() const { return shared_->idle.load(std::memory_order_relaxed); }

void UpstreamClient::close_idle() {
  on_every_loop([](LoopState& s) { s.close_idle(); });
  for (auto& c : t_caller_loops)
    if (c->state->shared == shared_) c->state->close_idle();
}

std::shared_ptr<UpstreamClient::LoopState> UpstreamClient::pick_loop() const {
  if (asio::io_context* current = loops_.current()) {
    for (const auto& s : states_)
      if (&s->io == current) return s;
  }
  // Another thread (today: a request thread waiting in BlockingOverAsync)
  // sticks to one loop, so its calls find the connections its last ones left.
  const size_t i = std::hash<std::thread::id>{}(std::this_thread::get_id()) % states_.size();
  return states_[i];
}

void UpstreamClient::call(const BaseUrl& base, UpstreamRequest request, Millis timeout, BodyConsumer on_2xx,
                          UpstreamDone done) {
  auto loop = pick_loop();
  auto call = std::make_shared<Call>(loop, base, std::move(request), timeout, std::move(on_2xx), std::move(done));
  if (loops_.current() == &loop->io) {
    call->start();
    return;
  }
  asio::post(loop->io, [call = std::move(call)] { call->start(); });
}

void UpstreamClient::call_here(const BaseUrl& base, UpstreamRequest request, Millis timeout, BodyConsumer on_2xx,
                               UpstreamDone done) {
  CallerLoop& here = caller_loop(shared_);
  bool ended = false;
  auto call = std::make_shared<Call>(here.state, base, std::move(request), timeout, std::move(on_2xx),
                                     [&ended, done = std::move(done)](AttemptResult r) {
                                       ended = true;
                                       done(std::move(r));
                                     });
  here.io.restart();
  call->start();
  call.reset();
  // One handler at a time until the call ended. What it leaves queued (its
  // cancelled deadline timer) runs at the start of this thread's next call,
  // instead of costing this one a pass through epoll.
  while (!ended && here.io.run_one() > 0) {
  }
}

void UpstreamClient::on_every_loop(const std::function<void(LoopState&)>& fn) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
  };
  auto pending = std::make_shared<Pending>();
  asio::io_context* current = loops_.current();
  for (const auto& s : states_) {
    if (&s->io == current || s->io.stopped()) {
      fn(*s);  // our own loop, or one no thread runs: nothing else touches it
      continue;
    }
    {
      std::lock_guard lock(pending->mu);
      ++pending->left;
    }
    asio::post(s->io, [s, fn, pending] {
      fn(*s);
      std::lock_guard lock(pending->mu);
      --pending->left;
      pending->cv.notify_all();
    });
  }
  std::unique_lock lock(pending->mu);
  pending->cv.wait_for(lock, kLoopTaskWait, [&] { return pending->left == 0; });
}

}  // namespace keyward::net
