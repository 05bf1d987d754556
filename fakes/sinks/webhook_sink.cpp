// A generic JSON webhook receiver: any POST/PUT/PATCH outside /_fake/ with a
// JSON body is stored; anything else is refused with a JSON error, as a strict
// receiver (Slack, PagerDuty, an in-house endpoint) would.
#include "fakes/sinks/http_sink.h"

namespace keyward::fakes {

using namespace sinks_detail;

namespace {
nlohmann::json webhook_error(int status, const std::string& description) {
  return {{"ok", false}, {"status", status}, {"error", description}};
}
}  // namespace

struct WebhookSink::Impl {
  WebhookSinkOptions opt;
  HttpSinkServer http;
  MessageStore<WebhookMessage> store;
  bool routes_added = false;

  Impl(WebhookSinkOptions o, const Clock& clock)
      : opt(std::move(o)),
        http("webhook", opt.listen, opt.max_body_bytes, opt.journal_limit, clock, opt.faults),
        store(opt.max_messages) {}

  void handle(const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/_fake/", 0) == 0)
      return reply_json(res, 404, webhook_error(404, "unknown control route " + req.path));
    auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded())
      return reply_json(res, 400, webhook_error(400, "body is not valid JSON"));
    WebhookMessage m;
    m.method = req.method;
    m.path = req.path;
    for (auto& [k, v] : req.headers) m.headers.emplace_back(k, v);
    m.body = std::move(body);
    m.received = http.clock.wall();
    auto n = store.add(std::move(m));
    reply_json(res, 200, {{"ok", true}, {"id", n}});
  }

  void start() {
    if (routes_added) return;  // started already (a restart is not supported)
    routes_added = true;
    auto handler = http.journaled([this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    auto not_allowed = [](const httplib::Request& req, httplib::Response& res) {
      if (req.path.rfind("/_fake/", 0) == 0)
        return reply_json(res, 404, webhook_error(404, "unknown control route " + req.path));
      res.set_header("Allow", "POST, PUT, PATCH");
      reply_json(res, 405, webhook_error(405, "a webhook takes POST with a JSON body"));
    };
    HttpSinkServer::Hooks hooks;
    hooks.messages = [this] {
      auto arr = nlohmann::json::array();
      for (auto& m : store.snapshot())
        arr.push_back({{"method", m.method}, {"path", m.path}, {"body", m.body}, {"time", format_iso8601_ms(m.received)}});
      return arr;
    };
    hooks.clear_messages = [this] { store.clear(); };
    hooks.delivered = [this] { return store.delivered(); };
    hooks.error_body = [](int status, const std::string& description) {
      return webhook_error(status, description);
    };
    hooks.journal_path = [](const std::string& path) { return path; };
    // httplib tries handlers in registration order: these catch-alls must
    // come after the /_fake/ control routes, hence the hook.
    hooks.add_routes = [handler, not_allowed](httplib::Server& s) {
      s.Post(".*", handler);
      s.Put(".*", handler);
      s.Patch(".*", handler);
      s.Get(".*", not_allowed);
      s.Delete(".*", not_allowed);
    };
    http.start(std::move(hooks));
  }
};

WebhookSink::WebhookSink(WebhookSinkOptions options, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}
WebhookSink::~WebhookSink() { stop(); }
void WebhookSink::start() { impl_->start(); }
void WebhookSink::stop() { impl_->http.stop(); }
int WebhookSink::port() const { return impl_->http.port(); }
std::string WebhookSink::url() const {
  const auto& p = impl_->opt.path;
  return impl_->http.base_url() + (p.empty() || p[0] != '/' ? "/" + p : p);
}
std::vector<WebhookMessage> WebhookSink::messages() const { return impl_->store.snapshot(); }
std::size_t WebhookSink::delivered_count() const { return impl_->store.delivered(); }
bool WebhookSink::wait_for_messages(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->store.wait_for(n, timeout);
}
void WebhookSink::clear() {
  impl_->store.clear();
  impl_->http.journal.clear();
}
std::vector<SinkJournalEntry> WebhookSink::journal() const { return impl_->http.journal.snapshot(); }
void WebhookSink::set_fault(const SinkFault& fault) { impl_->http.faults.set(fault); }
void WebhookSink::clear_faults() { impl_->http.faults.clear(); }
std::vector<SinkFault> WebhookSink::faults() const { return impl_->http.faults.list(); }

}  // namespace keyward::fakes
