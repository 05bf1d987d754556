// A real SMTP server (RFC 5321 subset + AUTH PLAIN/LOGIN of RFC 4954) over
// plain POSIX sockets, one thread per connection. It speaks enough of the
// protocol for libcurl's SMTP client and any ordinary MTA client, stores each
// accepted message parsed, and can fail on demand.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstring>
#include <list>
#include <stdexcept>
#include <thread>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes {

using namespace sinks_detail;

namespace {

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// "<a@b> SIZE=10" → address "a@b", params "SIZE=10". Returns false when the
// path is not in angle brackets (RFC 5321 4.1.2 requires them; curl sends them).
bool parse_path(const std::string& arg, std::string& address, std::string& params) {
  auto s = arg.find_first_not_of(' ');
  if (s == std::string::npos || arg[s] != '<') return false;
  auto e = arg.find('>', s);
  if (e == std::string::npos) return false;
  address = arg.substr(s + 1, e - s - 1);
  params = e + 1 < arg.size() ? arg.substr(e + 1) : "";
  return true;
}

const char* default_text(int code) {
  switch (code) {
    case 421: return "4.3.2 Service not available, closing transmission channel";
    case 450: return "4.2.1 Mailbox unavailable, try again later";
    case 451: return "4.3.0 Requested action aborted: local error in processing";
    case 452: return "4.3.1 Insufficient system storage";
    case 454: return "4.7.0 Temporary authentication failure";
    case 535: return "5.7.8 Authentication credentials invalid";
    case 550: return "5.1.1 Requested action not taken: mailbox unavailable";
    case 552: return "5.3.4 Requested mail action aborted: exceeded storage allocation";
    case 553: return "5.1.3 Requested action not taken: mailbox name not allowed";
    case 554: return "5.0.0 Transaction failed";
    default: return "Fault injected by the fake sink";
  }
}

}  // namespace

// All of the server's state; SmtpSink::Impl derives from it so that the
// session code below can name it (Impl itself is private to SmtpSink).
struct SmtpCore {
  SmtpSinkOptions opt;
  const Clock& clock;
  Journal journal;
  MessageStore<MailMessage> store;
  FaultBook faults;

  int listen_fd = -1;
  int wake_rd = -1, wake_wr = -1;  // readable once stopping: wakes every poll()
  int bound_port = 0;
  std::atomic<bool> running{false};
  std::thread acceptor;

  struct Conn {
    std::thread thread;
    std::atomic<bool> done{false};
  };
  std::mutex conns_mu;
  std::list<Conn> conns;

  SmtpCore(SmtpSinkOptions o, const Clock& c)
      : opt(std::move(o)), clock(c), journal(opt.journal_limit), store(opt.max_messages) {
    for (auto& f : opt.faults) faults.set(f);
  }

  void start();
  void stop();
  void accept_loop();
  void reap_finished();
  void serve(int fd);
};

// ------------------------------------------------------------ session ----

namespace {

enum class ReadResult { line, partial, closed };

class Session {
 public:
  Session(SmtpCore& sink, int fd) : sink_(sink), fd_(fd) {}
  void run();

 private:
  ReadResult read_line(std::size_t limit, std::string& out);
  bool fill();
  void reply(const std::string& what, int code, const std::string& text, const std::string& detail = "");
  void reply_multi(const std::string& what, int code, const std::vector<std::string>& lines);
  bool send_all(const std::string& data);
  // A `reply` fault at this stage: answers it and returns true.
  bool stage_fault(SmtpStage stage, const std::string& what);
  void reset_transaction() {
    in_mail_ = false;
    from_.clear();
    rcpts_.clear();
  }
  void cmd_ehlo(const std::string& verb, const std::string& arg);
  void cmd_auth(const std::string& arg);
  void cmd_mail(const std::string& arg);
  void cmd_rcpt(const std::string& arg);
  void cmd_data(const std::string& arg);

  SmtpCore& sink_;
  int fd_;
  std::string in_;  // bounded: at most one line limit + one recv buffer
  bool closing_ = false;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();

  std::string helo_, user_, from_;
  std::vector<std::string> rcpts_;
  bool in_mail_ = false;
};

// Idle connections are dropped (RFC 5321 4.5.3.2 suggests 5 minutes) so a
// client that never sends anything cannot hold a connection slot forever.
constexpr int kIdleTimeoutMs = 5 * 60 * 1000;

bool Session::fill() {
  pollfd p[2] = {{fd_, POLLIN, 0}, {sink_.wake_rd, POLLIN, 0}};
  int r;
  do {
    r = ::poll(p, 2, kIdleTimeoutMs);
  } while (r < 0 && errno == EINTR);
  if (r <= 0) {
    if (r == 0) reply("timeout", 421, "4.4.2 Idle timeout, closing connection");
    return false;
  }
  if (p[1].revents) return false;  // stopping
  char buf[4096];
  ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) return false;
  in_.append(buf, static_cast<std::size_t>(n));
  return true;
}

ReadResult Session::read_line(std::size_t limit, std::string& out) {
  for (;;) {
    auto nl = in_.find('\n');
    if (nl != std::string::npos && nl <= limit) {
      std::size_t len = nl;
      if (len > 0 && in_[len - 1] == '\r') --len;
      out.assign(in_, 0, len);
      in_.erase(0, nl + 1);
      return ReadResult::line;
    }
    if (in_.size() > limit || (nl != std::string::npos && nl > limit)) {
      // Hand out the first `limit` bytes; keep a trailing CR with the rest so
      // that a CRLF split across the cut is still recognised.
      std::size_t cut = limit;
      if (cut > 0 && in_[cut - 1] == '\r') --cut;
      out.assign(in_, 0, cut);
      in_.erase(0, cut);
      return ReadResult::partial;
    }
    if (!fill()) return ReadResult::closed;
  }
}

bool Session::send_all(const std::string& data) {
  std::size_t off = 0;
  while (off < data.size()) {
    // MSG_NOSIGNAL: a client that went away must not kill the process with SIGPIPE.
    ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

void Session::reply_multi(const std::string& what, int code, const std::vector<std::string>& lines) {
  auto t0 = std::chrono::steady_clock::now();
  sink_.faults.apply_slow();
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i)
    out += std::to_string(code) + (i + 1 < lines.size() ? "-" : " ") + lines[i] + "\r\n";
  // Journal before sending: once the client has the reply, a test may read
  // the journal and must find the entry there.
  sink_.journal.add({sink_.clock.wall(), what, code, lines.empty() ? "" : lines.back(), elapsed_ms(t0)});
  if (!send_all(out)) closing_ = true;
  if (code == 421) closing_ = true;  // RFC 5321 4.2.2: 421 means the server closes
}

void Session::reply(const std::string& what, int code, const std::string& text, const std::string& detail) {
  auto t0 = std::chrono::steady_clock::now();
  sink_.faults.apply_slow();
  sink_.journal.add({sink_.clock.wall(), what, code, detail.empty() ? text : detail, elapsed_ms(t0)});
  if (!send_all(std::to_string(code) + " " + text + "\r\n")) closing_ = true;
  if (code == 421) closing_ = true;
}

bool Session::stage_fault(SmtpStage stage, const std::string& what) {
  auto f = sink_.faults.take([stage](const SinkFault& x) {
    return x.kind == SinkFault::Kind::reply && x.stage == stage;
  });
  if (!f) return false;
  reply(what, f->code, f->text.empty() ? default_text(f->code) : f->text,
        std::string("fault reply at ") + to_string(stage));
  // A permanent failure at the greeting or HELO leaves nothing to talk about.
  if (stage == SmtpStage::connect) closing_ = true;
  return true;
}

void Session::run() {
  const auto& host = sink_.opt.hostname;
  if (sink_.faults.take_kind(SinkFault::Kind::down)) {
    reply("connect", 421, host + " Service not available, closing transmission channel",
          "fault down");
    return;
  }
  if (stage_fault(SmtpStage::connect, "connect")) return;
  reply("connect", 220, host + " ESMTP Keyward fake sink ready");

  std::string line;
  while (!closing_) {
    auto r = read_line(sink_.opt.max_line_bytes, line);
    if (r == ReadResult::closed) break;
    if (r == ReadResult::partial) {
      // Swallow the rest of the overlong line, then refuse it (RFC 5321 4.5.3.1.4).
      while ((r = read_line(sink_.opt.max_line_bytes, line)) == ReadResult::partial) {
      }
      if (r == ReadResult::closed) break;
      reply("?", 500, "5.5.2 Line too long");
      continue;
    }
    auto sp = line.find(' ');
    std::string verb = upper(line.substr(0, sp));
    std::string arg = sp == std::string::npos ? "" : line.substr(sp + 1);

    if (verb == "EHLO" || verb == "HELO") cmd_ehlo(verb, arg);
    else if (verb == "AUTH") cmd_auth(arg);
    else if (verb == "MAIL") cmd_mail(arg);
    else if (verb == "RCPT") cmd_rcpt(arg);
    else if (verb == "DATA") cmd_data(arg);
    else if (verb == "RSET") {
      reset_transaction();
      reply(verb, 250, "2.0.0 Reset state");
    } else if (verb == "NOOP") reply(verb, 250, "2.0.0 OK");
    else if (verb == "QUIT") {
      reply(verb, 221, "2.0.0 " + host + " closing connection");
      break;
    } else if (verb == "VRFY") reply(verb, 252, "2.5.0 Cannot VRFY user, but will accept message");
    else if (verb == "HELP") reply(verb, 214, "2.0.0 Commands: EHLO HELO AUTH MAIL RCPT DATA RSET NOOP QUIT");
    else if (verb == "STARTTLS" || verb == "BDAT" || verb == "EXPN" || verb == "ETRN" || verb == "TURN")
      reply(verb, 502, "5.5.1 Command not implemented");
    else
      reply(verb.substr(0, 16), 500, "5.5.2 Command unrecognized");
  }
}

void Session::cmd_ehlo(const std::string& verb, const std::string& arg) {
  if (arg.empty()) return reply(verb, 501, "5.5.4 Syntax: " + verb + " hostname");
  if (stage_fault(SmtpStage::helo, verb)) return;
  helo_ = arg;
  reset_transaction();  // RFC 5321 4.1.4: EHLO resets like RSET
  const auto& host = sink_.opt.hostname;
  if (verb == "HELO") return reply(verb, 250, host);
  reply_multi(verb, 250,
              {host + " greets " + arg, "AUTH PLAIN LOGIN", "8BITMIME",
               "SIZE " + std::to_string(sink_.opt.max_message_bytes), "ENHANCEDSTATUSCODES"});
}

void Session::cmd_auth(const std::string& arg) {
  if (helo_.empty()) return reply("AUTH", 503, "5.5.1 EHLO first");
  if (!user_.empty()) return reply("AUTH", 503, "5.5.1 Already authenticated");
  if (in_mail_) return reply("AUTH", 503, "5.5.1 AUTH not allowed during a mail transaction");
  auto sp = arg.find(' ');
  std::string mech = upper(arg.substr(0, sp));
  std::string initial = sp == std::string::npos ? "" : arg.substr(sp + 1);
  if (mech != "PLAIN" && mech != "LOGIN")
    return reply("AUTH", 504, "5.5.4 Unrecognized authentication type");
  if (stage_fault(SmtpStage::auth, "AUTH")) return;

  // Reads one client response to a 334 challenge; nullopt when cancelled or closed.
  auto challenge = [&](const std::string& prompt) -> std::optional<std::string> {
    reply("AUTH", 334, prompt);
    std::string resp;
    if (read_line(sink_.opt.max_line_bytes, resp) != ReadResult::line) {
      closing_ = true;
      return std::nullopt;
    }
    if (resp == "*") {
      reply("AUTH", 501, "5.7.0 Authentication cancelled");
      return std::nullopt;
    }
    return resp;
  };

  std::string user;
  if (mech == "PLAIN") {
    // RFC 4616: [authzid] NUL authcid NUL passwd. "=" is an empty initial response.
    std::string b64 = initial;
    if (b64.empty()) {
      auto r = challenge("");
      if (!r) return;
      b64 = *r;
    }
    std::string decoded = base64_decode(b64 == "=" ? "" : b64);
    auto n1 = decoded.find('\0');
    auto n2 = n1 == std::string::npos ? n1 : decoded.find('\0', n1 + 1);
    if (n2 == std::string::npos) return reply("AUTH", 501, "5.5.2 Malformed AUTH PLAIN response");
    user = decoded.substr(n1 + 1, n2 - n1 - 1);
  } else {
    std::string u64 = initial;
    if (u64.empty()) {
      auto r = challenge(base64_encode("Username:"));
      if (!r) return;
      u64 = *r;
    }
    auto p = challenge(base64_encode("Password:"));
    if (!p) return;
    user = base64_decode(u64);
  }
  if (user.empty()) return reply("AUTH", 535, default_text(535));
  user_ = user;
  // The password is accepted whatever it is and never recorded: sinks must
  // not keep secrets around in journals.
  reply("AUTH", 235, "2.7.0 Authentication successful", "authenticated " + mech);
}

void Session::cmd_mail(const std::string& arg) {
  if (helo_.empty()) return reply("MAIL", 503, "5.5.1 EHLO first");
  if (in_mail_) return reply("MAIL", 503, "5.5.1 Nested MAIL command");
  if (upper(arg.substr(0, 5)) != "FROM:") return reply("MAIL", 501, "5.5.4 Syntax: MAIL FROM:<address>");
  std::string address, params;
  if (!parse_path(arg.substr(5), address, params))
    return reply("MAIL", 501, "5.1.7 Bad sender address syntax");
  // SIZE=n declared up front (RFC 1870): refuse before the client sends the data.
  auto up = upper(params);
  if (auto pos = up.find("SIZE="); pos != std::string::npos) {
    unsigned long long size = std::strtoull(up.c_str() + pos + 5, nullptr, 10);
    if (size > sink_.opt.max_message_bytes)
      return reply("MAIL", 552, "5.3.4 Message size exceeds fixed maximum message size");
  }
  if (stage_fault(SmtpStage::mail_from, "MAIL")) return;
  from_ = address;
  in_mail_ = true;
  reply("MAIL", 250, "2.1.0 Ok", "from " + address);
}

void Session::cmd_rcpt(const std::string& arg) {
  if (!in_mail_) return reply("RCPT", 503, "5.5.1 Need MAIL before RCPT");
  if (upper(arg.substr(0, 3)) != "TO:") return reply("RCPT", 501, "5.5.4 Syntax: RCPT TO:<address>");
  std::string address, params;
  if (!parse_path(arg.substr(3), address, params) || address.empty())
    return reply("RCPT", 501, "5.1.3 Bad recipient address syntax");
  if (rcpts_.size() >= sink_.opt.max_recipients)
    return reply("RCPT", 452, "4.5.3 Too many recipients");
  if (stage_fault(SmtpStage::rcpt, "RCPT")) return;
  rcpts_.push_back(address);
  reply("RCPT", 250, "2.1.5 Ok", "to " + address);
}

void Session::cmd_data(const std::string& arg) {
  if (!arg.empty()) return reply("DATA", 501, "5.5.4 Syntax: DATA");
  if (!in_mail_) return reply("DATA", 503, "5.5.1 Need MAIL command");
  if (rcpts_.empty()) return reply("DATA", 554, "5.5.1 No valid recipients");
  if (stage_fault(SmtpStage::data, "DATA")) return reset_transaction();
  reply("DATA", 354, "End data with <CR><LF>.<CR><LF>");

  const std::size_t max_bytes = sink_.opt.max_message_bytes;
  std::string raw;
  bool oversize = false;
  bool line_start = true;  // dot rules apply only at the start of a line
  std::string line;
  for (;;) {
    auto r = read_line(sink_.opt.max_line_bytes, line);
    if (r == ReadResult::closed) {
      closing_ = true;  // the transaction is void (RFC 5321 4.1.1.4)
      return;
    }
    if (line_start && r == ReadResult::line && line == ".") break;
    if (line_start && !line.empty() && line[0] == '.') line.erase(0, 1);  // dot-unstuffing, 4.5.2
    std::size_t add = line.size() + (r == ReadResult::line ? 2 : 0);
    // Past the limit the rest is read and thrown away: the client must reach
    // the final "." before it can read our 552.
    if (raw.size() + add > max_bytes) oversize = true;
    if (!oversize) {
      raw += line;
      if (r == ReadResult::line) raw += "\r\n";
    }
    line_start = r == ReadResult::line;
  }

  if (oversize) {
    reset_transaction();
    return reply("DATA-END", 552, "5.3.4 Message size exceeds fixed maximum message size");
  }
  if (stage_fault(SmtpStage::data_end, "DATA-END")) return reset_transaction();

  MailMessage m;
  m.envelope_from = from_;
  m.envelope_to = rcpts_;
  m.auth_user = user_;
  m.helo = helo_;
  m.raw = std::move(raw);
  m.received = sink_.clock.wall();
  parse_mail(m);  // does not throw on malformed MIME; the caller catches anything else
  auto n = sink_.store.add(std::move(m));
  reset_transaction();
  reply("DATA-END", 250, "2.0.0 Ok: queued as " + std::to_string(n));
}

}  // namespace

// ------------------------------------------------------------- server ----


void SmtpCore::start() {
  if (running) return;
  auto addr = parse_listen(opt.listen);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  auto port_str = std::to_string(addr.port);
  if (int rc = ::getaddrinfo(addr.host.c_str(), port_str.c_str(), &hints, &res); rc != 0)
    throw std::runtime_error("smtp sink: cannot resolve " + opt.listen + ": " + gai_strerror(rc));
  int fd = -1;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, 64) == 0) break;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) throw std::runtime_error("smtp sink: cannot listen on " + opt.listen + ": " + std::strerror(errno));
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  bound_port = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                              : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    ::close(fd);
    throw std::runtime_error("smtp sink: pipe2 failed");
  }
  listen_fd = fd;
  wake_rd = pipefd[0];
  wake_wr = pipefd[1];
  faults.set_stopping(false);
  running = true;
  acceptor = std::thread([this] { accept_loop(); });
}

void SmtpCore::reap_finished() {
  std::lock_guard lock(conns_mu);
  for (auto it = conns.begin(); it != conns.end();) {
    if (it->done) {
      it->thread.join();
      it = conns.erase(it);
    } else {
      ++it;
    }
  }
}

void SmtpCore::accept_loop() {
  for (;;) {
    pollfd p[2] = {{listen_fd, POLLIN, 0}, {wake_rd, POLLIN, 0}};
    int r = ::poll(p, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || p[1].revents) return;
    int cfd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (cfd < 0) continue;
    int one = 1;
    ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // A client that stops reading must not block a reply (and stop()) forever.
    timeval tv{5, 0};
    ::setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    reap_finished();
    std::lock_guard lock(conns_mu);
    if (conns.size() >= opt.max_connections) {
      static const char kBusy[] = "421 4.3.2 Too many connections, try again later\r\n";
      (void)::send(cfd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL);
      ::close(cfd);
      journal.add({clock.wall(), "connect", 421, "too many connections", 0});
      continue;
    }
    auto& c = conns.emplace_back();
    c.thread = std::thread([this, cfd, &c] {
      serve(cfd);
      c.done = true;
    });
  }
}

void SmtpCore::serve(int fd) {
  // Nothing may escape a server thread: an exception here would terminate
  // the whole process (and the scenario run with it).
  try {
    Session(*this, fd).run();
  } catch (const std::exception& e) {
    journal.add({clock.wall(), "error", 0, e.what(), 0});
  } catch (...) {
    journal.add({clock.wall(), "error", 0, "unknown exception", 0});
  }
  ::close(fd);
}

void SmtpCore::stop() {
  if (!running.exchange(false)) return;
  faults.set_stopping(true);  // interrupts slow-fault waits
  char b = 1;
  (void)!::write(wake_wr, &b, 1);  // never read: stays readable, wakes every poll
  if (acceptor.joinable()) acceptor.join();
  {
    std::lock_guard lock(conns_mu);
    for (auto& c : conns) c.thread.join();
    conns.clear();
  }
  ::close(listen_fd);
  ::close(wake_rd);
  ::close(wake_wr);
  listen_fd = wake_rd = wake_wr = -1;
}

// ---------------------------------------------------------- public API ----

struct SmtpSink::Impl : SmtpCore {
  using SmtpCore::SmtpCore;
};


SmtpSink::SmtpSink(SmtpSinkOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}
SmtpSink::~SmtpSink() { stop(); }
void SmtpSink::start() { impl_->start(); }
void SmtpSink::stop() { impl_->stop(); }
int SmtpSink::port() const { return impl_->bound_port; }
std::string SmtpSink::url() const {
  auto host = parse_listen(impl_->opt.listen).host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "smtp://" + host + ":" + std::to_string(impl_->bound_port);
}
std::vector<MailMessage> SmtpSink::messages() const { return impl_->store.snapshot(); }
std::size_t SmtpSink::delivered_count() const { return impl_->store.delivered(); }
bool SmtpSink::wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->store.wait_for(n, timeout);
}
void SmtpSink::clear() {
  impl_->store.clear();
  impl_->journal.clear();
}
std::vector<SinkJournalEntry> SmtpSink::journal() const { return impl_->journal.snapshot(); }
void SmtpSink::set_fault(const SinkFault& fault) { impl_->faults.set(fault); }
void SmtpSink::clear_faults() { impl_->faults.clear(); }
std::vector<SinkFault> SmtpSink::faults() const { return impl_->faults.list(); }

}  // namespace keyward::fakes
