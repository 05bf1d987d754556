#pragma once
// Fake alert sinks: an SMTP server, the Telegram Bot API and a generic JSON
// webhook. They stand in for the real services the router alerts through, so
// that a scenario can assert on what an operator would have received, and they
// can be made to fail (down, slow, 5xx, SMTP 4xx/5xx) so that delivery under
// failure is tested too. They do not depend on the router.
//
// Thread safety: every public member function may be called from any thread
// while the sink is running. Accessors return copies.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/yaml_reader.h"

namespace keyward::fakes {

// ---------------------------------------------------------------- faults ----

// The SMTP stage at which a `reply` fault answers instead of the normal reply.
enum class SmtpStage {
  connect,    // the 220 greeting (a 4xx/5xx greeting, then close)
  helo,       // EHLO / HELO
  auth,       // AUTH
  mail_from,  // MAIL FROM
  rcpt,       // RCPT TO (each recipient)
  data,       // the DATA command (instead of 354)
  data_end,   // after the final "." (instead of "250 queued"); message not stored
};
const char* to_string(SmtpStage stage);
std::optional<SmtpStage> smtp_stage_from_string(const std::string& name);

// One fault, as data. A sink holds a list of them; each is checked on every
// interaction it applies to.
struct SinkFault {
  enum class Kind {
    down,    // SMTP: greet with 421 and close; HTTP: close the connection
             // without an answer (the control API under /_fake/ keeps working)
    slow,    // wait delay_ms before each reply (SMTP line / HTTP response)
    status,  // HTTP sinks: answer `status` with a JSON error body
    reply,   // SMTP: answer `code` at `stage`
  };
  Kind kind = Kind::down;
  int delay_ms = 0;                     // slow: real milliseconds before each reply
  int status = 503;                     // status: HTTP status code (4xx/5xx)
  SmtpStage stage = SmtpStage::rcpt;    // reply: where
  int code = 451;                       // reply: SMTP code, 400..599
  std::string text;                     // reply/status: message text; empty = a default
  int first = 0;                        // >0: only the first N matching interactions, then spent

  // Constructors by kind (GCC 12 warns on designated initializers that skip members).
  static SinkFault down(int first = 0) { return make(Kind::down, first); }
  static SinkFault slow(int delay_ms, int first = 0) {
    auto f = make(Kind::slow, first);
    f.delay_ms = delay_ms;
    return f;
  }
  static SinkFault http_status(int status, int first = 0) {
    auto f = make(Kind::status, first);
    f.status = status;
    return f;
  }
  static SinkFault smtp_reply(SmtpStage stage, int code, int first = 0) {
    auto f = make(Kind::reply, first);
    f.stage = stage;
    f.code = code;
    return f;
  }

 private:
  static SinkFault make(Kind kind, int first) {
    SinkFault f;
    f.kind = kind;
    f.first = first;
    return f;
  }
};
const char* to_string(SinkFault::Kind kind);
// JSON form used by the control API and journals:
// {"kind":"reply","stage":"rcpt","code":451,"first":1} / {"kind":"slow","delay_ms":200} ...
nlohmann::json to_json(const SinkFault& fault);
// Throws std::invalid_argument with a readable message on bad input.
SinkFault sink_fault_from_json(const nlohmann::json& j);

// One interaction with a sink (an SMTP command and its reply, an HTTP request).
struct SinkJournalEntry {
  WallTime time;          // the sinks' Clock time of the interaction
  std::string what;       // SMTP: the command verb ("MAIL", "DATA", "connect");
                          // HTTP: "POST /bot.../sendMessage" with the token masked
  int status = 0;         // SMTP reply code or HTTP status; 0 = connection closed without reply
  std::string detail;     // short free text: fault applied, error description
  double latency_ms = 0;  // real time spent answering, delay faults included
};

// ----------------------------------------------------------------- options ----

struct SmtpSinkOptions {
  std::string listen = "127.0.0.1:0";           // host:port; port 0 picks a free port
  std::string hostname = "sink.keyward.test";   // name in the greeting and EHLO reply
  std::size_t max_line_bytes = 4096;            // longer command/data lines: 500 / 552
  std::size_t max_message_bytes = 1 << 20;      // DATA larger than this: 552 (also advertised in SIZE)
  std::size_t max_recipients = 100;             // more RCPT TO: 452
  std::size_t max_messages = 1000;              // stored messages; the oldest are dropped
  std::size_t max_connections = 64;             // concurrent; beyond that: 421 and close
  std::size_t journal_limit = 10000;            // journal entries kept (ring buffer)
  std::vector<SinkFault> faults;                // initial faults
};

struct TelegramSinkOptions {
  std::string listen = "127.0.0.1:0";
  std::string token = "123:ABC";       // the bot token clients must use; empty = any well-formed token
  std::size_t max_body_bytes = 1 << 20;  // larger requests: 413
  std::size_t max_messages = 1000;
  std::size_t journal_limit = 10000;
  std::vector<SinkFault> faults;
};

struct WebhookSinkOptions {
  std::string listen = "127.0.0.1:0";
  std::string path = "/hook";            // the path printed in listeners(); any path is accepted
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_messages = 1000;
  std::size_t journal_limit = 10000;
  std::vector<SinkFault> faults;
};

struct SinksOptions {
  std::optional<SmtpSinkOptions> smtp;          // absent: no SMTP sink
  std::optional<TelegramSinkOptions> telegram;  // absent: no Telegram sink
  std::optional<WebhookSinkOptions> webhook;    // absent: no webhook sink
};

// Parses the world file's `sinks:` mapping, strictly (unknown fields are
// SchemaErrors naming file:line and the field's path):
//   sinks:
//     smtp:     {listen: 127.0.0.1:0, max_message_bytes: 1048576, faults: [...]}
//     telegram: {listen: 127.0.0.1:0, token: "123:ABC"}
//     webhook:  {}                       # {} or null: all defaults
// Faults: {kind: down|slow|status|reply, delay_ms, status, stage, code, text, first}.
SinksOptions parse_sinks(const YamlField& sinks);

// ---------------------------------------------------------------- messages ----

struct MailMessage {
  std::string envelope_from;                 // MAIL FROM:<...> without brackets
  std::vector<std::string> envelope_to;      // each accepted RCPT TO, without brackets
  std::string auth_user;                     // user of AUTH PLAIN/LOGIN; empty if none
  std::string helo;                          // the EHLO/HELO argument
  std::string from;                          // From: header, RFC 2047 decoded
  std::string to;                            // To: header, decoded
  std::string subject;                       // Subject: header, unfolded and decoded
  std::string message_id;                    // Message-ID: header as sent (with <>)
  std::vector<std::pair<std::string, std::string>> headers;  // all top-level headers in
                                             // order, unfolded, values decoded
  std::string content_type;                  // top-level Content-Type value
  std::string body;                          // text/plain body, transfer-decoded, LF line
                                             // ends (the first text/plain part of a multipart
                                             // message; the HTML when there is no text part)
  std::string html;                          // text/html part or body, decoded; empty if none
  std::string raw;                           // the DATA payload after dot-unstuffing
  WallTime received;                         // the sinks' Clock time of the final "."
  // First header with this name (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

struct TelegramMessage {
  std::int64_t message_id = 0;  // as answered to the client, 1, 2, ... per sink
  std::string chat_id;          // as sent ("123456", "-100123", "@channel")
  std::string text;             // as sent, markup included
  std::string plain_text;       // markup removed, as a Telegram client shows it
  std::string parse_mode;       // "", "HTML", "MarkdownV2", "Markdown"
  nlohmann::json request;       // every parameter as received (form fields become strings)
  WallTime received;
};

struct WebhookMessage {
  std::string method;  // "POST" (PUT/PATCH are stored too)
  std::string path;
  std::vector<std::pair<std::string, std::string>> headers;
  nlohmann::json body;
  WallTime received;
};

// ------------------------------------------------------------------- sinks ----

// What every sink offers in-process (the HTTP sinks also over /_fake/).
// Faults: set_fault appends; clear_faults removes all.

class SmtpSink {
 public:
  SmtpSink(SmtpSinkOptions options, const Clock& clock);
  ~SmtpSink();  // stops
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  // Binds and starts serving; throws std::runtime_error if it cannot bind.
  void start();
  // Closes the listener and every connection, joins all threads. Prompt even
  // while slow faults are waiting. Idempotent.
  void stop();
  int port() const;          // bound port, valid after start()
  std::string url() const;   // "smtp://127.0.0.1:PORT"

  std::vector<MailMessage> messages() const;
  std::size_t delivered_count() const;  // messages accepted since start/clear (not capped)
  // Blocks until at least n messages are stored or `timeout` (real time) passes.
  bool wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear();  // messages, delivered count and journal
  std::vector<SinkJournalEntry> journal() const;

  void set_fault(const SinkFault& fault);
  void clear_faults();
  std::vector<SinkFault> faults() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class TelegramSink {
 public:
  // Bot API: POST <url()>/bot<token>/sendMessage (JSON or form body).
  // Control API: GET /_fake/messages, GET /_fake/journal, POST /_fake/clear,
  // GET|POST|DELETE /_fake/faults (POST body: one fault as JSON).
  TelegramSink(TelegramSinkOptions options, const Clock& clock);
  ~TelegramSink();
  TelegramSink(const TelegramSink&) = delete;
  TelegramSink& operator=(const TelegramSink&) = delete;

  void start();
  void stop();
  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT" — the Bot API base

  std::vector<TelegramMessage> messages() const;
  std::size_t delivered_count() const;
  bool wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear();
  std::vector<SinkJournalEntry> journal() const;

  void set_fault(const SinkFault& fault);
  void clear_faults();
  std::vector<SinkFault> faults() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WebhookSink {
 public:
  // Any POST/PUT/PATCH with a JSON body outside /_fake/ is stored; the control
  // API is the Telegram sink's.
  WebhookSink(WebhookSinkOptions options, const Clock& clock);
  ~WebhookSink();
  WebhookSink(const WebhookSink&) = delete;
  WebhookSink& operator=(const WebhookSink&) = delete;

  void start();
  void stop();
  int port() const;
  std::string url() const;  // "http://127.0.0.1:PORT/hook" (options.path)

  std::vector<WebhookMessage> messages() const;
  std::size_t delivered_count() const;
  bool wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const;
  void clear();
  std::vector<SinkJournalEntry> journal() const;

  void set_fault(const SinkFault& fault);
  void clear_faults();
  std::vector<SinkFault> faults() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The sinks a world file names, started and stopped together.
class SinkFleet {
 public:
  // `seed` is accepted for the world's one-seed rule; the sinks are
  // deterministic without randomness today.
  SinkFleet(const SinksOptions& options, const Clock& clock, std::uint64_t seed);
  ~SinkFleet();
  SinkFleet(const SinkFleet&) = delete;
  SinkFleet& operator=(const SinkFleet&) = delete;

  void start();  // starts every configured sink; throws std::runtime_error on bind failure
  void stop();   // idempotent
  // {name, base url} per configured sink, in the order smtp, telegram, webhook:
  // {"smtp","smtp://127.0.0.1:40126"}, {"telegram","http://127.0.0.1:40127"},
  // {"webhook","http://127.0.0.1:40128/hook"}. Valid after start().
  std::vector<std::pair<std::string, std::string>> listeners() const;

  SmtpSink* smtp();          // nullptr when not configured
  TelegramSink* telegram();  // nullptr when not configured
  WebhookSink* webhook();    // nullptr when not configured

 private:
  std::unique_ptr<SmtpSink> smtp_;
  std::unique_ptr<TelegramSink> telegram_;
  std::unique_ptr<WebhookSink> webhook_;
};

}  // namespace keyward::fakes
