// Shared HTTP plumbing of the Telegram and webhook sinks.
#include "fakes/sinks/http_sink.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdlib>
#include <stdexcept>

namespace keyward::fakes::sinks_detail {

namespace {

// Per-request bookkeeping between the pre-routing handler and the logger;
// httplib runs both on the thread that serves the request.
thread_local std::chrono::steady_clock::time_point tl_start;
thread_local std::string tl_detail;
thread_local bool tl_journaled = false;

bool is_control(const std::string& path) { return path.rfind("/_fake/", 0) == 0; }

// cpp-httplib 0.11 offers no way for a handler to drop a connection without
// answering, yet a "down" sink must look like a dead peer to the client
// (curl: "Empty reply from server"), while the control API on the same port
// keeps working. The request's socket is found by its address pair among our
// own descriptors and shut down; httplib's own write then fails quietly and it
// closes the descriptor itself, so ownership never changes hands. The 4-tuple
// is unique, and the descriptor cannot be closed under us because the thread
// that owns it is the one running this handler.
bool shut_down_request_socket(const httplib::Request& req) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return false;
  bool done = false;
  auto port_of = [](const sockaddr_storage& ss) {
    return ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port)
                                    : ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  };
  while (auto* ent = ::readdir(dir)) {
    char* end = nullptr;
    long fd = std::strtol(ent->d_name, &end, 10);
    if (end == ent->d_name || *end != '\0') continue;
    sockaddr_storage local{}, peer{};
    socklen_t ll = sizeof local, pl = sizeof peer;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &ll) != 0) continue;
    if (local.ss_family != AF_INET && local.ss_family != AF_INET6) continue;
    if (::getpeername(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&peer), &pl) != 0) continue;
    if (port_of(local) != req.local_port || port_of(peer) != req.remote_port) continue;
    char host[INET6_ADDRSTRLEN] = {};
    const void* a = peer.ss_family == AF_INET6
                        ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr)
                        : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&peer)->sin_addr);
    ::inet_ntop(peer.ss_family, a, host, sizeof host);
    if (req.remote_addr != host) continue;
    ::shutdown(static_cast<int>(fd), SHUT_RDWR);
    done = true;
    break;
  }
  ::closedir(dir);
  return done;
}

}  // namespace

const char* http_reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Request Entity Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return status >= 500 ? "Server Error" : "Client Error";
  }
}

void reply_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

HttpSinkServer::HttpSinkServer(std::string name, std::string listen, std::size_t max_body_bytes,
                               std::size_t journal_limit, const Clock& c,
                               const std::vector<SinkFault>& initial)
    : journal(journal_limit), clock(c), name_(std::move(name)), listen_(std::move(listen)),
      max_body_bytes_(max_body_bytes) {
  for (auto& f : initial) faults.set(f);
}

HttpSinkServer::~HttpSinkServer() { stop(); }

std::string HttpSinkServer::base_url() const {
  auto host = parse_listen(listen_).host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port_);
}

void HttpSinkServer::start(Hooks hooks) {
  if (running_) return;
  hooks_ = std::move(hooks);
  auto addr = parse_listen(listen_);
  auto& s = server_;
  // Without TCP_NODELAY a keep-alive round trip with this cpp-httplib costs
  // tens of milliseconds of Nagle delay.
  s.set_tcp_nodelay(true);
  s.set_payload_max_length(max_body_bytes_);

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    tl_start = std::chrono::steady_clock::now();
    tl_detail.clear();
    tl_journaled = false;
    if (is_control(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (faults.take_kind(SinkFault::Kind::down)) {
      bool shut = shut_down_request_socket(req);
      journal.add({clock.wall(), req.method + " " + hooks_.journal_path(req.path), 0,
                   shut ? "fault down: connection closed" : "fault down: socket not found, answered 503",
                   elapsed_ms(tl_start)});
      tl_journaled = true;
      // If the socket could not be found the client still sees a failure.
      reply_json(res, 503, hooks_.error_body(503, http_reason(503)));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (int ms = faults.apply_slow(); ms > 0) tl_detail = "fault slow " + std::to_string(ms) + "ms";
    if (auto f = faults.take_kind(SinkFault::Kind::status)) {
      std::string text = f->text.empty() ? http_reason(f->status) : f->text;
      reply_json(res, f->status, hooks_.error_body(f->status, text));
      if (f->status == 429) res.set_header("Retry-After", "5");
      tl_detail += (tl_detail.empty() ? "" : "; ") + std::string("fault status ") +
                   std::to_string(f->status);
      journal_now(req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Errors httplib produces itself (404 unrouted, 413 too large, 400 bad
  // request line) get the sink's JSON envelope rather than an empty body.
  s.set_error_handler([this](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) reply_json(res, res.status, hooks_.error_body(res.status, http_reason(res.status)));
  });

  s.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    journal_now(req, res);
    // Requests httplib refuses before routing (413, bad request line) never
    // reach the pre-routing handler: start the next one clean.
    tl_journaled = false;
    tl_detail.clear();
    tl_start = std::chrono::steady_clock::now();
  });

  // ---- control API ----
  auto faults_json = [this] {
    auto arr = nlohmann::json::array();
    for (auto& f : faults.list()) arr.push_back(to_json(f));
    return arr;
  };
  s.Get("/_fake/messages", [this](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, hooks_.messages());
  });
  s.Get("/_fake/journal", [this](const httplib::Request&, httplib::Response& res) {
    auto arr = nlohmann::json::array();
    for (auto& e : journal.snapshot()) arr.push_back(to_json(e));
    reply_json(res, 200, arr);
  });
  s.Get("/_fake/stats", [this](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, {{"delivered", hooks_.delivered()}, {"faults", faults.list().size()}});
  });
  s.Post("/_fake/clear", [this](const httplib::Request&, httplib::Response& res) {
    hooks_.clear_messages();
    journal.clear();
    reply_json(res, 200, {{"ok", true}});
  });
  s.Get("/_fake/faults", [faults_json](const httplib::Request&, httplib::Response& res) {
    reply_json(res, 200, faults_json());
  });
  s.Delete("/_fake/faults", [this](const httplib::Request&, httplib::Response& res) {
    faults.clear();
    reply_json(res, 200, {{"ok", true}});
  });
  s.Post("/_fake/faults", [this, faults_json](const httplib::Request& req, httplib::Response& res) {
    // Body: one fault object or a list of them; all are validated before any is set.
    auto j = nlohmann::json::parse(req.body, nullptr, false);
    if (j.is_discarded()) return reply_json(res, 400, {{"error", "body is not valid JSON"}});
    std::vector<SinkFault> parsed;
    try {
      if (j.is_array()) {
        if (j.size() > FaultBook::kMaxFaults) throw std::invalid_argument("too many faults");
        for (auto& e : j) parsed.push_back(sink_fault_from_json(e));
      } else {
        parsed.push_back(sink_fault_from_json(j));
      }
    } catch (const std::exception& e) {
      return reply_json(res, 400, {{"error", e.what()}});
    }
    for (auto& f : parsed) faults.set(f);
    reply_json(res, 200, faults_json());
  });

  if (hooks_.add_routes) hooks_.add_routes(s);

  int port = addr.port == 0 ? s.bind_to_any_port(addr.host) : (s.bind_to_port(addr.host, addr.port) ? addr.port : -1);
  if (port <= 0) throw std::runtime_error(name_ + " sink: cannot listen on " + listen_);
  port_ = port;
  faults.set_stopping(false);
  running_ = true;
  // The socket is already listening, so clients may connect before this
  // thread reaches accept(): their connections wait in the backlog.
  thread_ = std::thread([this] {
    try {
      server_.listen_after_bind();
    } catch (...) {
      // Nothing may escape a server thread; a dead listener shows up as
      // connection failures in the test that uses it.
    }
  });
  // httplib's stop() does nothing until the listen loop has started, so a
  // stop() right after start() would hang the join; wait (bounded) for it.
  for (int i = 0; i < 2000 && !server_.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void HttpSinkServer::journal_now(const httplib::Request& req, const httplib::Response& res) {
  if (tl_journaled || is_control(req.path)) return;
  tl_journaled = true;
  journal.add({clock.wall(), req.method + " " + hooks_.journal_path(req.path), res.status, tl_detail,
               elapsed_ms(tl_start)});
}

void HttpSinkServer::stop() {
  if (!running_) return;
  running_ = false;
  faults.set_stopping(true);  // slow faults stop waiting
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace keyward::fakes::sinks_detail
