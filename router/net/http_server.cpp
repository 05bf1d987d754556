#include "router/net/http_server.h"

#include <sys/resource.h>

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <unordered_set>
#include <utility>  // before any Asio header (Boost 1.74 with g++ 12)

namespace keyward::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kReadChunk = 64 << 10;

// One read buffer per loop thread: a connection copies out only the bytes it
// keeps, so an idle connection owns no buffer at all.
char* scratch_buffer() {
  thread_local std::array<char, kReadChunk> buffer;
  return buffer.data();
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

HttpResponse default_refusal(const RefusalInfo& info) {
  HttpResponse r;
  r.status = refusal_status(info.kind);
  r.body = std::string("{\"status\":\"error\",\"error\":\"") + to_string(info.kind) + "\",\"message\":\"" +
           json_escape(info.detail) + "\"}";
  return r;
}

}  // namespace

class Connection;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(EventLoop& l, const HttpServerOptions& o, HttpHandler h)
      : loop(l), options(o), handler(std::move(h)), registry(l.size()) {}

  EventLoop& loop;
  const HttpServerOptions options;
  const HttpHandler handler;
  std::unique_ptr<tcp::acceptor> acceptor;           // lives on loop 0
  std::unique_ptr<asio::steady_timer> accept_retry;  // after EMFILE and the like
  size_t next_loop = 0;                              // loop 0 only
  // Open connections per loop; each set is touched only by its loop's thread.
  std::vector<std::unordered_set<Connection*>> registry;
  std::atomic<bool> stopping{false};

  struct {
    std::atomic<uint64_t> accepted{0}, refused{0}, open{0}, requests{0}, bad_request{0}, head_too_large{0},
        body_too_large{0}, head_timeouts{0}, body_timeouts{0}, idle_closed{0}, write_timeouts{0}, slow_readers{0},
        bytes_read{0};
  } count;

  std::mutex open_mu;
  std::condition_variable open_cv;  // signalled when a connection closes

  // Rate-limited log of refused connections (loop 0 only).
  SteadyClock::time_point refusal_logged{};
  uint64_t refused_unlogged = 0;
  SteadyClock::time_point accept_error_logged{};

  void log(const std::string& line) const {
    if (options.log) options.log(line);
  }
  void accept();
  void on_accept(const error_code& ec, tcp::socket socket, size_t loop_index);
  void note_refused();
  void connection_closed() {
    std::lock_guard lock(open_mu);
    --count.open;
    open_cv.notify_all();
  }
};

// One client connection, on one loop; every member function runs on that
// loop's thread. Phases and their deadlines: see http_server.h.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::shared_ptr<HttpServer::Impl> server, tcp::socket socket, size_t loop_index)
      : server_(std::move(server)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        loop_index_(loop_index),
        io_(server_->loop.context(loop_index)),
        parser_(server_->options.limits) {}

  void start();
  asio::any_io_executor executor() { return socket_.get_executor(); }
  bool on_loop_thread() const { return io_.get_executor().running_in_this_thread(); }
  const HttpServerOptions& options() const { return server_->options; }

  // Blocks the calling (non-loop) thread until at most `limit - more` bytes
  // are unsent, the client is gone, or `deadline` passes. True when the
  // bytes fit.
  bool wait_for_room(size_t more, size_t limit, SteadyClock::time_point deadline) {
    std::unique_lock lock(drain_mu_);
    ++drain_waiters_;
    bool fit = drain_cv_.wait_until(lock, deadline, [&] {
      size_t behind = unsent.load();
      return gone.load() || behind == 0 || behind + more <= limit;
    });
    --drain_waiters_;
    return fit && !gone.load();
  }

  // From an Exchange, on this loop: bytes of the current answer; `last` ends
  // it (`keep_alive` false: close after it).
  void deliver(std::string bytes, bool counted, bool last, bool keep_alive);
  // The current answer's stream is too far ahead of the client.
  void cut_slow_reader();
  // Runs `fn` when the client goes (now if it has).
  void set_gone_callback(std::function<void()> fn);
  // The server stops: close now, or after the answer being produced.
  void on_server_stop();
  void close();

  std::atomic<size_t> unsent{0};  // bytes of the current exchange not yet written
  std::atomic<bool> gone{false};

 private:
  // Wakes producers waiting in wait_for_room() (unsent fell, or the client went).
  void notify_drained() {
    if (drain_waiters_.load() == 0) return;
    std::lock_guard lock(drain_mu_);
    drain_cv_.notify_all();
  }
  std::mutex drain_mu_;
  std::condition_variable drain_cv_;
  std::atomic<int> drain_waiters_{0};

 public:
 private:
  enum class Phase { idle, head, body, handling, refusing, lingering, closed };
  enum class Deadline { none, idle, head, body, write, linger };

  void want_read();
  void on_readable(const error_code& ec);
  void on_eof();
  void process_input();
  void dispatch_request();
  void refuse(const RefusalInfo& info, bool linger);
  void start_write();
  void on_written(const error_code& ec);
  void complete_exchange();
  void linger();
  void set_phase_deadline(Deadline kind, Millis after);
  void set_deadline(Deadline kind, SteadyClock::time_point at);
  void start_timer_wait();
  void on_timer(const error_code& ec, uint64_t generation);
  void on_deadline(Deadline kind);

  std::shared_ptr<HttpServer::Impl> server_;  // outlives the connection: exchanges may hold it
  tcp::socket socket_;
  asio::steady_timer timer_;
  size_t loop_index_;
  asio::io_context& io_;
  RequestParser parser_;
  Phase phase_ = Phase::idle;

  std::string in_;  // received, not yet parsed (empty while idle)
  bool read_pending_ = false;
  bool peer_eof_ = false;

  std::string writing_, queued_;  // bytes on the wire / waiting behind them
  size_t writing_counted_ = 0, queued_counted_ = 0;
  bool write_pending_ = false;
  bool exchange_done_ = false;  // the last bytes of the answer are queued
  bool close_after_ = false;    // close once the answer is written
  bool linger_after_refusal_ = false;
  size_t lingered_ = 0;
  std::function<void()> gone_callback_;

  // One timer per connection. A wait already pending for an earlier moment is
  // kept and re-armed when it fires early, so moving a deadline later (most
  // phase changes) costs no timer syscall.
  Deadline deadline_kind_ = Deadline::none;
  SteadyClock::time_point deadline_{};
  Deadline phase_kind_ = Deadline::none;  // restored after a write
  SteadyClock::time_point phase_deadline_{};
  bool timer_pending_ = false;
  SteadyClock::time_point timer_at_{};
  uint64_t timer_generation_ = 0;
};

// The Responder of one exchange. It keeps its connection alive until it is
// destroyed; the connection does not know it (no cycle).
class Exchange final : public Responder {
 public:
  Exchange(std::shared_ptr<Connection> conn, int version, bool keep_alive, bool head_only, size_t max_unsent)
      : conn_(std::move(conn)),
        version_(version),
        keep_alive_(keep_alive),
        head_only_(head_only),
        max_unsent_(max_unsent) {}

  ~Exchange() override {
    if (finished_) return;
    if (streaming_) {
      // A stream abandoned half-way must not look complete: cut it.
      run([c = conn_] { c->cut_slow_reader(); });
      return;
    }
    HttpResponse r;
    r.status = 500;
    r.body = R"({"status":"error","error":"internal_error","message":"the request was dropped without an answer"})";
    send(std::move(r));
  }

  void send(HttpResponse response) override {
    if (finished_ || streaming_) return;
    finished_ = true;
    std::string bytes = serialize_response(response, version_, keep_alive_, head_only_);
    conn_->unsent += bytes.size();
    run([c = conn_, b = std::move(bytes), k = keep_alive_]() mutable { c->deliver(std::move(b), true, true, k); });
  }

  void start_stream(int status, const std::string& content_type, std::vector<HttpHeader> headers) override {
    if (finished_ || streaming_) return;
    streaming_ = true;
    if (version_ == 10) keep_alive_ = false;  // the body runs to the close
    std::string bytes = serialize_stream_head(status, content_type, headers, version_, keep_alive_);
    conn_->unsent += bytes.size();
    run([c = conn_, b = std::move(bytes)]() mutable { c->deliver(std::move(b), true, false, true); });
  }

  bool write(std::string_view data) override {
    if (!streaming_ || finished_ || conn_->gone) return false;
    if (head_only_) return true;
    std::string frame = chunk_frame(data, version_);
    if (frame.empty()) return true;
    size_t behind = conn_->unsent.load();
    if (behind > 0 && behind + frame.size() > max_unsent_) {
      // A producer on another thread waits for the client to take bytes (a
      // slow reader slows the producer); one that does not within
      // write_timeout is cut off. On the loop thread nothing can drain while
      // we wait, so the bound cuts at once.
      bool fit = !conn_->on_loop_thread() &&
                 conn_->wait_for_room(frame.size(), max_unsent_, SteadyClock::now() + conn_->options().write_timeout);
      if (!fit) {
        finished_ = true;
        if (!conn_->gone) run([c = conn_] { c->cut_slow_reader(); });
        return false;
      }
    }
    conn_->unsent += frame.size();
    run([c = conn_, b = std::move(frame)]() mutable { c->deliver(std::move(b), true, false, true); });
    return true;
  }

  void end() override {
    if (finished_) return;
    if (!streaming_) {
      HttpResponse r;
      r.status = 500;
      r.body = R"({"status":"error","error":"internal_error","message":"stream ended before it started"})";
      send(std::move(r));
      return;
    }
    finished_ = true;
    std::string bytes(head_only_ ? std::string_view{} : last_chunk(version_));
    run([c = conn_, b = std::move(bytes), k = keep_alive_]() mutable { c->deliver(std::move(b), true, true, k); });
  }

  bool client_gone() const override { return conn_->gone; }

  void on_client_gone(std::function<void()> fn) override {
    run([c = conn_, f = std::move(fn)]() mutable { c->set_gone_callback(std::move(f)); });
  }

 private:
  // On the loop thread: now (so calls made there keep their order); from
  // any other thread: queued behind the calls made before it.
  template <typename Fn>
  void run(Fn&& fn) {
    asio::dispatch(conn_->executor(), std::forward<Fn>(fn));
  }

  std::shared_ptr<Connection> conn_;
  int version_;
  bool keep_alive_;
  bool head_only_;
  size_t max_unsent_;
  bool finished_ = false;
  bool streaming_ = false;
};

// ---------------------------------------------------------------- Connection

void Connection::start() {
  server_->registry[loop_index_].insert(this);
  error_code ec;
  socket_.set_option(tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  if (server_->stopping) return close();
  set_phase_deadline(Deadline::idle, server_->options.idle_timeout);
  want_read();
}

void Connection::want_read() {
  if (read_pending_ || peer_eof_ || phase_ == Phase::closed || phase_ == Phase::refusing) return;
  // While an answer is being produced the next requests may arrive
  // (pipelining); keep at most one head's worth, then stop reading.
  if (phase_ == Phase::handling && in_.size() >= server_->options.limits.max_head_bytes) return;
  read_pending_ = true;
  socket_.async_wait(tcp::socket::wait_read,
                     [self = shared_from_this()](const error_code& ec) { self->on_readable(ec); });
}

void Connection::on_readable(const error_code& wait_error) {
  read_pending_ = false;
  if (phase_ == Phase::closed) return;
  if (wait_error) {
    gone = true;
    return close();
  }
  size_t budget = kReadChunk;
  if (phase_ == Phase::handling)
    budget = server_->options.limits.max_head_bytes - std::min(in_.size(), server_->options.limits.max_head_bytes);
  if (budget == 0) return;
  error_code ec;
  char* buf = scratch_buffer();
  size_t n = socket_.read_some(asio::buffer(buf, budget), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return want_read();
  if (ec == asio::error::eof) return on_eof();
  if (ec) {
    gone = true;
    return close();
  }
  server_->count.bytes_read += n;
  if (phase_ == Phase::lingering) {
    lingered_ += n;
    if (lingered_ > server_->options.linger_bytes) return close();
    return want_read();
  }
  in_.append(buf, n);
  if (phase_ == Phase::idle || phase_ == Phase::head || phase_ == Phase::body) process_input();
  want_read();
}

void Connection::on_eof() {
  peer_eof_ = true;
  switch (phase_) {
    case Phase::handling:
    case Phase::refusing:
      return;  // half-closed after its request: answer, then close
    case Phase::idle:
      if (!in_.empty()) return process_input();
      return close();
    default:
      return close();  // a request cut short: nobody left to answer
  }
}

void Connection::process_input() {
  while (!in_.empty() && (phase_ == Phase::idle || phase_ == Phase::head || phase_ == Phase::body)) {
    if (phase_ == Phase::idle) {
      phase_ = Phase::head;
      set_phase_deadline(Deadline::head, server_->options.head_timeout);
    }
    size_t used = parser_.feed(in_);
    if (used == in_.size())
      in_.clear();
    else
      in_.erase(0, used);
    switch (parser_.state()) {
      case RequestParser::State::head:
        return;
      case RequestParser::State::body:
        if (phase_ == Phase::head) {
          phase_ = Phase::body;
          set_phase_deadline(Deadline::body, server_->options.body_timeout);
          if (parser_.expects_continue() && parser_.request().version == 11)
            deliver("HTTP/1.1 100 Continue\r\n\r\n", false, false, true);
        }
        if (used == 0) return;
        continue;
      case RequestParser::State::done:
        return dispatch_request();
      case RequestParser::State::error:
        return refuse(parser_.refusal(), true);
    }
  }
  if (phase_ == Phase::idle && peer_eof_) close();
}

void Connection::dispatch_request() {
  HttpRequest request = parser_.take();
  parser_.reset();
  phase_ = Phase::handling;
  phase_kind_ = Deadline::none;
  if (!write_pending_) deadline_kind_ = Deadline::none;
  if (in_.empty() && in_.capacity() > 4096) std::string().swap(in_);
  ++server_->count.requests;
  bool keep_alive = request.keep_alive && !server_->stopping;
  bool head_only = request.method == "HEAD";
  auto exchange = std::make_shared<Exchange>(shared_from_this(), request.version, keep_alive, head_only,
                                             server_->options.max_unsent_bytes);
  try {
    server_->handler(std::move(request), exchange);
  } catch (const std::exception& e) {
    server_->log(std::string("ERROR: request handler threw: ") + e.what());
  }
  // The handler's copies decide when the exchange ends; an exchange nobody
  // kept answers 500 as this one goes.
  exchange.reset();
  want_read();
}

void Connection::refuse(const RefusalInfo& info, bool linger) {
  switch (info.kind) {
    case Refusal::bad_request:
    case Refusal::unsupported_framing:
      ++server_->count.bad_request;
      break;
    case Refusal::head_too_large:
    case Refusal::too_many_headers:
      ++server_->count.head_too_large;
      break;
    case Refusal::body_too_large:
      ++server_->count.body_too_large;
      break;
    case Refusal::head_timeout:
      ++server_->count.head_timeouts;
      break;
    case Refusal::body_timeout:
      ++server_->count.body_timeouts;
      break;
  }
  HttpResponse r = server_->options.render_refusal ? server_->options.render_refusal(info) : default_refusal(info);
  int version = parser_.request().version == 10 ? 10 : 11;
  phase_ = Phase::refusing;
  in_.clear();
  close_after_ = true;
  linger_after_refusal_ = linger;
  phase_kind_ = Deadline::none;
  deliver(serialize_response(r, version, false, false), false, false, false);
}

void Connection::deliver(std::string bytes, bool counted, bool last, bool keep_alive) {
  if (phase_ == Phase::closed) return;
  if (counted) queued_counted_ += bytes.size();
  if (queued_.empty())
    queued_.swap(bytes);
  else
    queued_ += bytes;
  if (last) {
    exchange_done_ = true;
    if (!keep_alive) close_after_ = true;
  }
  if (queued_.empty() && last && !write_pending_) return complete_exchange();
  start_write();
}

void Connection::start_write() {
  if (write_pending_ || queued_.empty() || phase_ == Phase::closed) return;
  writing_.swap(queued_);
  queued_.clear();
  writing_counted_ = queued_counted_;
  queued_counted_ = 0;
  write_pending_ = true;
  set_deadline(Deadline::write, SteadyClock::now() + server_->options.write_timeout);
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const error_code& ec, size_t) { self->on_written(ec); });
}

void Connection::on_written(const error_code& ec) {
  write_pending_ = false;
  unsent -= std::min(unsent.load(), writing_counted_);
  writing_counted_ = 0;
  notify_drained();
  if (phase_ == Phase::closed) return;
  if (ec) {
    gone = true;
    return close();
  }
  if (writing_.capacity() > kReadChunk)
    std::string().swap(writing_);
  else
    writing_.clear();
  if (!queued_.empty()) return start_write();
  set_deadline(phase_kind_, phase_deadline_);
  if (phase_ == Phase::refusing) return linger_after_refusal_ ? linger() : close();
  if (exchange_done_) complete_exchange();
}

void Connection::complete_exchange() {
  exchange_done_ = false;
  gone_callback_ = nullptr;
  if (close_after_ || server_->stopping) {
    // Bytes the client sent after this request would turn the close into a
    // reset that can destroy the answer in flight: drain them first.
    if (!in_.empty()) return linger();
    return close();
  }
  phase_ = Phase::idle;
  if (!in_.empty()) {
    process_input();  // pipelined: the next request is already here
    if (phase_ == Phase::idle || phase_ == Phase::head || phase_ == Phase::body) want_read();
    return;
  }
  if (peer_eof_) return close();
  set_phase_deadline(Deadline::idle, server_->options.idle_timeout);
  want_read();
}

void Connection::linger() {
  if (peer_eof_) return close();
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  phase_ = Phase::lingering;
  in_.clear();
  std::string().swap(in_);
  lingered_ = 0;
  set_phase_deadline(Deadline::linger, server_->options.linger_timeout);
  want_read();
}

void Connection::cut_slow_reader() {
  if (phase_ == Phase::closed) return;
  ++server_->count.slow_readers;
  gone = true;
  close();
}

void Connection::set_gone_callback(std::function<void()> fn) {
  if (phase_ == Phase::closed || gone) {
    if (fn) fn();
    return;
  }
  gone_callback_ = std::move(fn);
}

void Connection::on_server_stop() {
  switch (phase_) {
    case Phase::handling:
    case Phase::refusing:
      close_after_ = true;  // after the answer in progress
      return;
    default:
      close();
  }
}

void Connection::close() {
  if (phase_ == Phase::closed) return;
  phase_ = Phase::closed;
  gone = true;
  error_code ec;
  socket_.close(ec);
  timer_.cancel();
  timer_pending_ = false;
  ++timer_generation_;
  std::string().swap(in_);
  std::string().swap(queued_);
  server_->registry[loop_index_].erase(this);
  notify_drained();
  if (gone_callback_) {
    auto fn = std::move(gone_callback_);
    gone_callback_ = nullptr;
    fn();
  }
  server_->connection_closed();
}

void Connection::set_phase_deadline(Deadline kind, Millis after) {
  phase_kind_ = kind;
  phase_deadline_ = SteadyClock::now() + after;
  if (!write_pending_) set_deadline(kind, phase_deadline_);
}

void Connection::set_deadline(Deadline kind, SteadyClock::time_point at) {
  deadline_kind_ = kind;
  deadline_ = at;
  if (kind == Deadline::none) return;             // a pending wait fires and finds nothing to do
  if (timer_pending_ && timer_at_ <= at) return;  // fires first, then waits for the rest
  timer_at_ = at;
  timer_.expires_at(at);  // cancels a pending wait (its generation is stale)
  ++timer_generation_;
  start_timer_wait();
}

void Connection::start_timer_wait() {
  timer_pending_ = true;
  timer_.async_wait(
      [self = shared_from_this(), g = timer_generation_](const error_code& ec) { self->on_timer(ec, g); });
}

void Connection::on_timer(const error_code& ec, uint64_t generation) {
  if (generation != timer_generation_) return;  // replaced by a later wait
  timer_pending_ = false;
  if (ec || phase_ == Phase::closed || deadline_kind_ == Deadline::none) return;
  auto now = SteadyClock::now();
  if (now < deadline_) {
    timer_at_ = deadline_;
    timer_.expires_at(deadline_);
    ++timer_generation_;
    return start_timer_wait();
  }
  on_deadline(deadline_kind_);
}

void Connection::on_deadline(Deadline kind) {
  deadline_kind_ = Deadline::none;
  switch (kind) {
    case Deadline::none:
      return;
    case Deadline::idle:
      ++server_->count.idle_closed;
      return close();
    case Deadline::head:
      return refuse(
          {Refusal::head_timeout,
           "the request head did not arrive within " + std::to_string(server_->options.head_timeout.count()) + " ms",
           std::string(parser_.request().path())},
          false);
    case Deadline::body:
      return refuse(
          {Refusal::body_timeout,
           "the request body did not arrive within " + std::to_string(server_->options.body_timeout.count()) + " ms",
           std::string(parser_.request().path())},
          false);
    case Deadline::write:
      ++server_->count.write_timeouts;
      gone = true;
      return close();
    case Deadline::linger:
      return close();
  }
}

// ---------------------------------------------------------------- HttpServer

void HttpServer::Impl::accept() {
  if (!acceptor || !acceptor->is_open()) return;
  size_t i = next_loop++ % loop.size();
  acceptor->async_accept(loop.context(i), [self = shared_from_this(), i](const error_code& ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket), i);
  });
}

void HttpServer::Impl::on_accept(const error_code& ec, tcp::socket socket, size_t loop_index) {
  if (!acceptor || !acceptor->is_open() || ec == asio::error::operation_aborted) return;
  if (ec) {
    // Out of file descriptors (or the like): the pending connection stays in
    // the backlog; try again shortly instead of spinning on the error, and
    // say so at most once a second.
    auto now = SteadyClock::now();
    if (now - accept_error_logged >= std::chrono::seconds(1)) {
      accept_error_logged = now;
      log("WARN: accept failed: " + ec.message() + " (open connections: " + std::to_string(count.open.load()) + ")");
    }
    accept_retry->expires_after(std::chrono::milliseconds(50));
    accept_retry->async_wait([self = shared_from_this()](const error_code& e) {
      if (!e) self->accept();
    });
    return;
  }
  if (count.open.load() >= options.max_connections || stopping) {
    ++count.refused;  // counted (and logged) before the client can see the close
    note_refused();
    error_code ignored;
    socket.close(ignored);
    return accept();
  }
  ++count.open;
  ++count.accepted;
  auto conn = std::make_shared<Connection>(shared_from_this(), std::move(socket), loop_index);
  asio::post(loop.context(loop_index), [conn] { conn->start(); });
  accept();
}

void HttpServer::Impl::note_refused() {
  ++refused_unlogged;
  auto now = SteadyClock::now();
  if (now - refusal_logged < std::chrono::seconds(1)) return;
  refusal_logged = now;
  log("WARN: connection limit reached (" + std::to_string(options.max_connections) + " open): closed " +
      std::to_string(refused_unlogged) + " new connection(s) at once; see keyward_http_connections_total");
  refused_unlogged = 0;
}

HttpServer::HttpServer(EventLoop& loop, HttpServerOptions options, HttpHandler handler)
    : loop_(loop), options_(std::move(options)) {
  impl_ = std::make_shared<Impl>(loop_, options_, std::move(handler));
}

HttpServer::~HttpServer() { stop(); }

bool HttpServer::start(std::string* error) {
  if (!listen(error)) return false;
  accept();
  return true;
}

void HttpServer::accept() {
  if (!impl_->acceptor) return;
  asio::post(loop_.context(0), [impl = impl_] { impl->accept(); });
}

bool HttpServer::listen(std::string* error) {
  auto fail = [&](const std::string& what) {
    if (error) *error = what;
    impl_->acceptor.reset();
    return false;
  };
  error_code ec;
  asio::ip::address address;
  if (options_.host == "localhost") {
    address = asio::ip::make_address("127.0.0.1");
  } else {
    address = asio::ip::make_address(options_.host, ec);
    if (ec) return fail("invalid listen host '" + options_.host + "': " + ec.message());
  }
  tcp::endpoint endpoint(address, static_cast<unsigned short>(options_.port));
  auto& io = loop_.context(0);
  impl_->acceptor = std::make_unique<tcp::acceptor>(io);
  impl_->accept_retry = std::make_unique<asio::steady_timer>(io);
  auto& acceptor = *impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("cannot open a socket: " + ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  acceptor.bind(endpoint, ec);
  if (ec) return fail("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections, ec);  // SOMAXCONN
  if (ec) return fail("cannot listen on " + options_.host + ":" + std::to_string(options_.port) + ": " + ec.message());
  port_ = acceptor.local_endpoint(ec).port();
  return true;
}

void HttpServer::stop_accepting() {
  if (!impl_->acceptor) return;
  std::promise<void> done;
  asio::post(loop_.context(0), [impl = impl_, &done] {
    error_code ec;
    if (impl->acceptor) impl->acceptor->close(ec);
    if (impl->accept_retry) impl->accept_retry->cancel();
    done.set_value();
  });
  done.get_future().wait();
}

void HttpServer::stop(Millis grace) {
  if (!impl_->acceptor || impl_->stopping.exchange(true)) return;
  stop_accepting();
  auto each_connection = [&](auto fn) {
    for (size_t i = 0; i < loop_.size(); ++i) {
      std::promise<void> done;
      asio::post(loop_.context(i), [impl = impl_, i, &fn, &done] {
        std::vector<Connection*> conns(impl->registry[i].begin(), impl->registry[i].end());
        for (auto* c : conns) fn(*c);
        done.set_value();
      });
      done.get_future().wait();
    }
  };
  each_connection([](Connection& c) { c.on_server_stop(); });
  {
    std::unique_lock lock(impl_->open_mu);
    impl_->open_cv.wait_for(lock, grace, [&] { return impl_->count.open.load() == 0; });
  }
  each_connection([](Connection& c) { c.close(); });
  std::unique_lock lock(impl_->open_mu);
  impl_->open_cv.wait(lock, [&] { return impl_->count.open.load() == 0; });
}

HttpServerCounters HttpServer::counters() const {
  const auto& c = impl_->count;
  HttpServerCounters out;
  out.connections_accepted = c.accepted;
  out.connections_refused = c.refused;
  out.connections_open = c.open;
  out.requests = c.requests;
  out.refused_bad_request = c.bad_request;
  out.refused_head_too_large = c.head_too_large;
  out.refused_body_too_large = c.body_too_large;
  out.head_timeouts = c.head_timeouts;
  out.body_timeouts = c.body_timeouts;
  out.idle_closed = c.idle_closed;
  out.write_timeouts = c.write_timeouts;
  out.slow_readers_cut = c.slow_readers;
  out.bytes_read = c.bytes_read;
  return out;
}

std::string raise_open_files_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return std::string("open files: getrlimit failed: ") + std::strerror(errno);
  auto text = [](rlim_t v) { return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v); };
  rlim_t before = lim.rlim_cur;
  if (lim.rlim_cur == lim.rlim_max) return "open files: " + text(before) + " (already the hard limit)";
  lim.rlim_cur = lim.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
    return "open files: soft limit stays " + text(before) + ": setrlimit failed: " + std::strerror(errno);
  return "open files: soft limit " + text(before) + " -> " + text(lim.rlim_cur) + " (the hard limit)";
}

}  // namespace keyward::net
