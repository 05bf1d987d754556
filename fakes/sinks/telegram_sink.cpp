// The Telegram Bot API as far as an alerting client uses it: sendMessage
// (JSON, form or multipart body, or query string) and getMe, with the real
// API's envelopes and error texts.
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <mutex>

#include "fakes/sinks/http_sink.h"

namespace keyward::fakes {

using namespace sinks_detail;

namespace {

// Telegram counts message length in UTF-16 code units; 4096 is the limit.
std::size_t utf16_length(const std::string& s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += (c >= 0xF0) ? 2 : 1;          // 4-byte sequences are surrogate pairs
  }
  return n;
}

bool all_digits(const std::string& s, std::size_t from = 0) {
  return s.size() > from && s.find_first_not_of("0123456789", from) == std::string::npos;
}

bool well_formed_token(const std::string& t) {
  auto colon = t.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == t.size()) return false;
  if (!all_digits(t.substr(0, colon))) return false;
  for (std::size_t i = colon + 1; i < t.size(); ++i) {
    char c = t[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

nlohmann::json telegram_error(int code, const std::string& description) {
  return {{"ok", false}, {"error_code", code}, {"description", description}};
}

}  // namespace

struct TelegramSink::Impl {
  TelegramSinkOptions opt;
  HttpSinkServer http;
  MessageStore<TelegramMessage> store;
  std::atomic<std::int64_t> next_message_id{1};

  Impl(TelegramSinkOptions o, const Clock& clock)
      : opt(std::move(o)),
        http("telegram", opt.listen, opt.max_body_bytes, opt.journal_limit, clock, opt.faults),
        store(opt.max_messages) {}

  std::int64_t bot_id(const std::string& token) const {
    auto colon = token.find(':');
    auto digits = token.substr(0, colon);
    return all_digits(digits) && digits.size() < 18 ? std::stoll(digits) : 1;
  }

  // Every request parameter, whatever the encoding the client chose.
  std::optional<nlohmann::json> params(const httplib::Request& req, std::string& error) const {
    nlohmann::json p = nlohmann::json::object();
    for (auto& [k, v] : req.params) p[k] = v;
    for (auto& [k, f] : req.files) p[k] = f.content;
    auto ct = req.get_header_value("Content-Type");
    if (ct.rfind("application/json", 0) == 0) {
      auto j = nlohmann::json::parse(req.body, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        error = "Bad Request: can't parse JSON object";
        return std::nullopt;
      }
      for (auto& [k, v] : j.items()) p[k] = v;
    }
    return p;
  }

  static std::string as_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_null()) return "";
    return v.dump();
  }

  nlohmann::json chat_object(const std::string& chat_id) const {
    if (!chat_id.empty() && chat_id[0] == '@') {
      // A public channel by username: Telegram answers with its numeric id.
      std::int64_t h = static_cast<std::int64_t>(std::hash<std::string>{}(chat_id) % 1'000'000'000);
      return {{"id", -1'000'000'000'000 - h}, {"title", chat_id.substr(1)}, {"username", chat_id.substr(1)},
              {"type", "channel"}};
    }
    auto id = std::stoll(chat_id);
    if (id > 0) return {{"id", id}, {"first_name", "Operator"}, {"type", "private"}};
    if (id <= -1'000'000'000'000) return {{"id", id}, {"title", "Alerts"}, {"type", "supergroup"}};
    return {{"id", id}, {"title", "Alerts"}, {"type", "group"}};
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    const std::string token = req.matches[1];
    const std::string method = req.matches[2];
    if (opt.token.empty() ? !well_formed_token(token) : token != opt.token)
      return reply_json(res, 401, telegram_error(401, "Unauthorized"));
    // Method names are case-insensitive in the Bot API.
    std::string m;
    for (char c : method) m += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (m == "getme") {
      return reply_json(res, 200,
                        {{"ok", true},
                         {"result",
                          {{"id", bot_id(token)}, {"is_bot", true}, {"first_name", "Keyward Fake Bot"},
                           {"username", "keyward_fake_bot"}, {"can_join_groups", true},
                           {"can_read_all_group_messages", false}, {"supports_inline_queries", false}}}});
    }
    if (m != "sendmessage") return reply_json(res, 404, telegram_error(404, "Not Found"));

    std::string error;
    auto p = params(req, error);
    if (!p) return reply_json(res, 400, telegram_error(400, error));
    std::string chat_id = p->contains("chat_id") ? as_text((*p)["chat_id"]) : "";
    bool chat_ok = (!chat_id.empty() && chat_id[0] == '@' && chat_id.size() > 1) ||
                   all_digits(chat_id, chat_id.rfind('-', 0) == 0 ? 1 : 0);
    if (chat_ok && chat_id[0] != '@') {
      // Must fit Telegram's 64-bit ids; std::stoll would throw past that.
      errno = 0;
      (void)std::strtoll(chat_id.c_str(), nullptr, 10);
      if (errno == ERANGE) chat_ok = false;
    }
    if (!chat_ok) return reply_json(res, 400, telegram_error(400, "Bad Request: chat not found"));
    std::string text = p->contains("text") ? as_text((*p)["text"]) : "";
    if (text.find_first_not_of(" \t\r\n") == std::string::npos)
      return reply_json(res, 400, telegram_error(400, "Bad Request: message text is empty"));
    if (utf16_length(text) > 4096)
      return reply_json(res, 400, telegram_error(400, "Bad Request: message is too long"));
    std::string parse_mode = p->contains("parse_mode") ? as_text((*p)["parse_mode"]) : "";
    std::string plain = text;
    std::optional<std::string> entity_error;
    std::string pm = parse_mode;
    for (auto& c : pm) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (pm == "html") entity_error = check_html_entities(text, plain);
    else if (pm == "markdownv2") entity_error = check_markdown_v2_entities(text, plain);
    else if (!pm.empty() && pm != "markdown")
      return reply_json(res, 400, telegram_error(400, "Bad Request: unsupported parse_mode"));
    if (entity_error)
      return reply_json(res, 400, telegram_error(400, "Bad Request: can't parse entities: " + *entity_error));

    auto now = http.clock.wall();
    auto date = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    TelegramMessage msg;
    msg.message_id = next_message_id++;
    msg.chat_id = chat_id;
    msg.text = text;
    msg.plain_text = plain;
    msg.parse_mode = parse_mode;
    msg.request = *p;
    msg.received = now;
    nlohmann::json result = {
        {"message_id", msg.message_id},
        {"from", {{"id", bot_id(token)}, {"is_bot", true}, {"first_name", "Keyward Fake Bot"},
                  {"username", "keyward_fake_bot"}}},
        {"chat", chat_object(chat_id)},
        {"date", date},
        {"text", plain}};
    store.add(std::move(msg));
    reply_json(res, 200, {{"ok", true}, {"result", result}});
  }

  bool routes_added = false;

  void start() {
    if (routes_added) return;  // started already (a restart is not supported)
    routes_added = true;
    auto handler = http.journaled([this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    // Telegram accepts both GET and POST for every method.
    http.server().Post(R"(/bot([^/]*)/([A-Za-z]+))", handler);
    http.server().Get(R"(/bot([^/]*)/([A-Za-z]+))", handler);
    HttpSinkServer::Hooks hooks;
    hooks.messages = [this] {
      auto arr = nlohmann::json::array();
      for (auto& m : store.snapshot())
        arr.push_back({{"message_id", m.message_id}, {"chat_id", m.chat_id}, {"text", m.text},
                       {"plain_text", m.plain_text}, {"parse_mode", m.parse_mode},
                       {"time", format_iso8601_ms(m.received)}});
      return arr;
    };
    hooks.clear_messages = [this] { store.clear(); };
    hooks.delivered = [this] { return store.delivered(); };
    hooks.error_body = [](int status, const std::string& description) {
      auto j = telegram_error(status, description);
      if (status == 429) {
        j["description"] = "Too Many Requests: retry after 5";
        j["parameters"] = {{"retry_after", 5}};
      }
      return j;
    };
    // The bot token is a secret: journals show "/bot***/sendMessage".
    hooks.journal_path = [](const std::string& path) {
      if (path.rfind("/bot", 0) != 0) return path;
      auto slash = path.find('/', 4);
      return "/bot***" + (slash == std::string::npos ? std::string() : path.substr(slash));
    };
    http.start(std::move(hooks));
  }
};

TelegramSink::TelegramSink(TelegramSinkOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}
TelegramSink::~TelegramSink() { stop(); }
void TelegramSink::start() { impl_->start(); }
void TelegramSink::stop() { impl_->http.stop(); }
int TelegramSink::port() const { return impl_->http.port(); }
std::string TelegramSink::url() const { return impl_->http.base_url(); }
std::vector<TelegramMessage> TelegramSink::messages() const { return impl_->store.snapshot(); }
std::size_t TelegramSink::delivered_count() const { return impl_->store.delivered(); }
bool TelegramSink::wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->store.wait_for(n, timeout);
}
void TelegramSink::clear() {
  impl_->store.clear();
  impl_->http.journal.clear();
}
std::vector<SinkJournalEntry> TelegramSink::journal() const { return impl_->http.journal.snapshot(); }
void TelegramSink::set_fault(const SinkFault& fault) { impl_->http.faults.set(fault); }
void TelegramSink::clear_faults() { impl_->http.faults.clear(); }
std::vector<SinkFault> TelegramSink::faults() const { return impl_->http.faults.list(); }

}  // namespace keyward::fakes
