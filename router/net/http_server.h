#pragma once
// The public HTTP/1.1 listener: Boost.Asio sockets on the EventLoop, requests
// parsed by RequestParser (Beast). No Asio or Beast in this header.
//
// A connection costs a file descriptor, a small object and a timer; while it
// is idle it holds no read buffer (it waits for readability, then reads).
// Every phase has a deadline that holds however slowly bytes trickle in:
//   idle (before a request's first byte) idle_timeout -> closed silently
//   head (first byte .. end of head)     head_timeout -> 408, closed
//   body (end of head .. end of body)    body_timeout -> 408, closed
//   an answer's bytes not taken by the client within write_timeout -> closed
// Limits: RequestLimits (431, 413, 400, 501 at once, see http_request_parser.h),
// max_connections (beyond it a new connection is closed at once, counted and
// logged at most once a second), a listen backlog of SOMAXCONN.
//
// Handlers are asynchronous: a handler gets the request and a Responder and
// may answer later, from any thread. Requests of one connection are answered
// in order (pipelining): the next one is parsed only once the answer to the
// previous one is written. A client that half-closes after its request gets
// its answer, then the connection closes.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "router/net/event_loop.h"
#include "router/net/http_message.h"
#include "router/net/http_request_parser.h"

namespace keyward::net {

using Millis = std::chrono::milliseconds;

struct HttpServerOptions {
  std::string host = "127.0.0.1";   // an IPv4/IPv6 literal or "localhost"
  int port = 0;                     // 0: any free port (see HttpServer::port())
  RequestLimits limits;             // head bytes, header count, body_limit
  Millis idle_timeout{60'000};      // a connection with no request under way
  Millis head_timeout{10'000};      // whole request head, from its first byte
  Millis body_timeout{30'000};      // whole request body, from the end of the head
  Millis write_timeout{30'000};     // each write of an answer, until the client took it
  size_t max_connections = 10'000;  // open at once; beyond: closed at accept
  // A streamed answer may run this far ahead of the client: the producer
  // then waits (Responder::write), and a client that does not read within
  // write_timeout is cut off rather than buffered without limit.
  size_t max_unsent_bytes = 1 << 20;
  // After refusing a request whose body was not read (413, 400 mid-body), the
  // server reads and discards up to this much for up to linger_timeout, so
  // that the client sees the answer instead of a reset while it still sends.
  size_t linger_bytes = 4 << 20;
  Millis linger_timeout{2'000};
  // Log lines (connection cap reached, accept failures). Default: none.
  std::function<void(const std::string&)> log;
  // The answer to a request the server refuses itself. Default: a small JSON
  // {"status":"error","error":<refusal>,"message":<detail>}.
  std::function<HttpResponse(const RefusalInfo&)> render_refusal;
};

// Completes one exchange. Every method may be called from any thread, but
// one exchange's calls must come one after another (not concurrently).
// Always owned by a shared_ptr (the server makes them): a handler that
// answers later keeps its responder with shared_from_this().
class Responder : public std::enable_shared_from_this<Responder> {
 public:
  virtual ~Responder() = default;
  // The whole answer at once. Later calls are ignored.
  virtual void send(HttpResponse response) = 0;
  // A streamed answer: the head now (chunked on HTTP/1.1), then write()s,
  // then end(). `headers` besides Content-Type and the framing.
  virtual void start_stream(int status, const std::string& content_type, std::vector<HttpHeader> headers) = 0;
  // Queues a piece of the streamed body. When the client is already
  // max_unsent_bytes behind, a caller on another thread waits for it to take
  // bytes (up to write_timeout); a caller on the loop thread cannot wait.
  // False when the client is gone, or still too far behind (it is then cut
  // off): stop producing.
  virtual bool write(std::string_view data) = 0;
  virtual void end() = 0;
  // True once the connection failed or closed (reset, write timeout, cut off).
  virtual bool client_gone() const = 0;
  // `fn` runs once, on the connection's loop thread, when the client goes
  // (at once if it already has). Keep it short; it must not block.
  virtual void on_client_gone(std::function<void()> fn) = 0;
};

// Runs on the connection's loop thread and must not block: hand slow work to
// a WorkerPool together with the responder. A responder dropped without an
// answer answers 500.
using HttpHandler = std::function<void(HttpRequest request, std::shared_ptr<Responder> responder)>;

struct HttpServerCounters {
  uint64_t connections_accepted = 0;
  uint64_t connections_refused = 0;     // over max_connections
  uint64_t connections_open = 0;        // now
  uint64_t requests = 0;                // handed to the handler
  uint64_t refused_bad_request = 0;     // 400 and 501
  uint64_t refused_head_too_large = 0;  // 431: bytes or header count
  uint64_t refused_body_too_large = 0;  // 413
  uint64_t head_timeouts = 0;
  uint64_t body_timeouts = 0;
  uint64_t idle_closed = 0;
  uint64_t write_timeouts = 0;
  uint64_t slow_readers_cut = 0;  // a stream more than max_unsent_bytes ahead
  uint64_t bytes_read = 0;        // from clients, all connections, all phases
};

class HttpServer {
 public:
  // `loop` must outlive the server and run while it serves.
  HttpServer(EventLoop& loop, HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens (backlog SOMAXCONN) on the calling thread; connections
  // wait in the backlog until accept(). False with a message when the address
  // cannot be used.
  bool listen(std::string* error);
  // Starts accepting on loop 0 (the loop may start before or after).
  void accept();
  // listen(), then accept().
  bool start(std::string* error);
  // Closes the listening socket; open connections carry on.
  void stop_accepting();
  // stop_accepting(), then closes every connection: at once when idle or
  // reading, after its answer (within `grace`) when one is being written.
  // Blocks until all are closed. Idempotent.
  void stop(Millis grace = Millis{2'000});

  int port() const { return port_; }
  HttpServerCounters counters() const;
  const HttpServerOptions& options() const { return options_; }

  struct Impl;

 private:
  EventLoop& loop_;
  HttpServerOptions options_;
  std::shared_ptr<Impl> impl_;
  int port_ = 0;
};

// Raises the soft RLIMIT_NOFILE to the hard limit (each connection is a file
// descriptor). Returns "open files: soft 1024 -> 1048576 (hard 1048576)" for
// the log, or why it could not.
std::string raise_open_files_limit();

}  // namespace keyward::net
