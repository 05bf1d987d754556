// The world file's `sinks:` section and the fleet that runs it.
#include <cctype>
#include <stdexcept>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes {

using namespace sinks_detail;

namespace {

// Sizes and counts: positive and below 1 GiB, so a typo cannot ask the fake
// to allocate the machine away.
std::size_t parse_size(const YamlField& f) {
  auto v = f.as<long long>("an integer");
  if (v < 1 || v > (1LL << 30)) f.fail("must be between 1 and 1073741824");
  return static_cast<std::size_t>(v);
}

std::string parse_listen_field(const YamlField& f) {
  auto s = f.str();
  try {
    parse_listen(s);
  } catch (const std::invalid_argument& e) {
    f.fail(e.what());
  }
  return s;
}

SinkFault parse_fault(const YamlField& f, bool smtp) {
  f.only({"kind", "delay_ms", "status", "stage", "code", "text", "first"});
  nlohmann::json j = nlohmann::json::object();
  for (const char* key : {"kind", "stage", "text"})
    if (f.has(key)) j[key] = f.child(key).str();
  for (const char* key : {"delay_ms", "status", "code", "first"})
    if (f.has(key)) j[key] = f.child(key).as<long long>("an integer");
  if (!f.has("kind")) f.fail("missing field 'kind' (down|slow|status|reply)");
  SinkFault fault;
  try {
    fault = sink_fault_from_json(j);
  } catch (const std::invalid_argument& e) {
    // Messages are "field: problem"; point at the field when we can.
    std::string msg = e.what();
    auto colon = msg.find(':');
    std::string name = colon == std::string::npos ? "" : msg.substr(0, colon);
    if (!name.empty() && f.has(name)) f.child(name).fail(msg.substr(colon + 2));
    f.fail(msg);
  }
  if (smtp && fault.kind == SinkFault::Kind::status)
    f.child("kind").fail("'status' is for HTTP sinks; the SMTP sink uses 'reply' with stage and code");
  if (!smtp && fault.kind == SinkFault::Kind::reply)
    f.child("kind").fail("'reply' is for the SMTP sink; HTTP sinks use 'status'");
  return fault;
}

std::vector<SinkFault> parse_faults(const YamlField& f, bool smtp) {
  if (f.node.IsNull()) return {};
  f.require_sequence();
  if (f.node.size() > FaultBook::kMaxFaults) f.fail("at most 64 faults");
  std::vector<SinkFault> out;
  for (std::size_t i = 0; i < f.node.size(); ++i) out.push_back(parse_fault(f.at(i), smtp));
  return out;
}

bool well_formed_token(const std::string& t) {
  auto colon = t.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == t.size()) return false;
  if (t.substr(0, colon).find_first_not_of("0123456789") != std::string::npos) return false;
  for (std::size_t i = colon + 1; i < t.size(); ++i) {
    char c = t[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

}  // namespace

SinksOptions parse_sinks(const YamlField& sinks) {
  SinksOptions out;
  if (!sinks.node.IsDefined() || sinks.node.IsNull()) return out;
  sinks.only({"smtp", "telegram", "webhook"});

  if (sinks.has("smtp")) {
    auto f = sinks.child("smtp");
    SmtpSinkOptions o;
    if (!f.node.IsNull()) {
      f.only({"listen", "hostname", "max_line_bytes", "max_message_bytes", "max_recipients",
              "max_messages", "max_connections", "journal_limit", "faults"});
      if (f.has("listen")) o.listen = parse_listen_field(f.child("listen"));
      if (f.has("hostname")) o.hostname = f.child("hostname").str();
      if (f.has("max_line_bytes")) {
        o.max_line_bytes = parse_size(f.child("max_line_bytes"));
        // RFC 5321 4.5.3.1.6: a text line may be 1000 octets; less breaks real clients.
        if (o.max_line_bytes < 1000) f.child("max_line_bytes").fail("must be at least 1000 (RFC 5321)");
      }
      if (f.has("max_message_bytes")) o.max_message_bytes = parse_size(f.child("max_message_bytes"));
      if (f.has("max_recipients")) o.max_recipients = parse_size(f.child("max_recipients"));
      if (f.has("max_messages")) o.max_messages = parse_size(f.child("max_messages"));
      if (f.has("max_connections")) o.max_connections = parse_size(f.child("max_connections"));
      if (f.has("journal_limit")) o.journal_limit = parse_size(f.child("journal_limit"));
      if (f.has("faults")) o.faults = parse_faults(f.child("faults"), true);
    }
    out.smtp = std::move(o);
  }
  if (sinks.has("telegram")) {
    auto f = sinks.child("telegram");
    TelegramSinkOptions o;
    if (!f.node.IsNull()) {
      f.only({"listen", "token", "max_body_bytes", "max_messages", "journal_limit", "faults"});
      if (f.has("listen")) o.listen = parse_listen_field(f.child("listen"));
      if (f.has("token")) {
        o.token = f.child("token").str();
        if (!o.token.empty() && !well_formed_token(o.token))
          f.child("token").fail("expected a bot token like \"123456:ABC-def\" (or \"\" for any)");
      }
      if (f.has("max_body_bytes")) o.max_body_bytes = parse_size(f.child("max_body_bytes"));
      if (f.has("max_messages")) o.max_messages = parse_size(f.child("max_messages"));
      if (f.has("journal_limit")) o.journal_limit = parse_size(f.child("journal_limit"));
      if (f.has("faults")) o.faults = parse_faults(f.child("faults"), false);
    }
    out.telegram = std::move(o);
  }
  if (sinks.has("webhook")) {
    auto f = sinks.child("webhook");
    WebhookSinkOptions o;
    if (!f.node.IsNull()) {
      f.only({"listen", "path", "max_body_bytes", "max_messages", "journal_limit", "faults"});
      if (f.has("listen")) o.listen = parse_listen_field(f.child("listen"));
      if (f.has("path")) {
        o.path = f.child("path").str();
        if (o.path.empty() || o.path[0] != '/' || o.path.rfind("/_fake/", 0) == 0)
          f.child("path").fail("must start with '/' and not be under /_fake/");
      }
      if (f.has("max_body_bytes")) o.max_body_bytes = parse_size(f.child("max_body_bytes"));
      if (f.has("max_messages")) o.max_messages = parse_size(f.child("max_messages"));
      if (f.has("journal_limit")) o.journal_limit = parse_size(f.child("journal_limit"));
      if (f.has("faults")) o.faults = parse_faults(f.child("faults"), false);
    }
    out.webhook = std::move(o);
  }
  return out;
}

SinkFleet::SinkFleet(const SinksOptions& options, const Clock& clock, std::uint64_t /*seed*/) {
  if (options.smtp) smtp_ = std::make_unique<SmtpSink>(*options.smtp, clock);
  if (options.telegram) telegram_ = std::make_unique<TelegramSink>(*options.telegram, clock);
  if (options.webhook) webhook_ = std::make_unique<WebhookSink>(*options.webhook, clock);
}

SinkFleet::~SinkFleet() { stop(); }

void SinkFleet::start() {
  try {
    if (smtp_) smtp_->start();
    if (telegram_) telegram_->start();
    if (webhook_) webhook_->start();
  } catch (...) {
    stop();  // leave nothing half-running behind a failed start
    throw;
  }
}

void SinkFleet::stop() {
  if (smtp_) smtp_->stop();
  if (telegram_) telegram_->stop();
  if (webhook_) webhook_->stop();
}

std::vector<std::pair<std::string, std::string>> SinkFleet::listeners() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (smtp_) out.emplace_back("smtp", smtp_->url());
  if (telegram_) out.emplace_back("telegram", telegram_->url());
  if (webhook_) out.emplace_back("webhook", webhook_->url());
  return out;
}

SmtpSink* SinkFleet::smtp() { return smtp_.get(); }
TelegramSink* SinkFleet::telegram() { return telegram_.get(); }
WebhookSink* SinkFleet::webhook() { return webhook_.get(); }

}  // namespace keyward::fakes
