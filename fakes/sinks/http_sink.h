#pragma once
// Internal to fakes/sinks: the cpp-httplib plumbing the Telegram and webhook
// sinks share — binding, faults applied before routing, the request journal
// and the /_fake/ control API.
#include <httplib.h>

#include <functional>
#include <string>
#include <thread>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes::sinks_detail {

class HttpSinkServer {
 public:
  struct Hooks {
    std::function<nlohmann::json()> messages;  // GET /_fake/messages
    std::function<void()> clear_messages;      // POST /_fake/clear (journal cleared too)
    std::function<std::size_t()> delivered;    // GET /_fake/stats
    // The sink's own error envelope (Telegram's {"ok":false,...} or a plain one).
    std::function<nlohmann::json(int status, const std::string& description)> error_body;
    // The path as journaled (secrets masked).
    std::function<std::string(const std::string& path)> journal_path;
    // Adds the sink's own routes after the control routes (optional).
    std::function<void(httplib::Server&)> add_routes;
  };

  HttpSinkServer(std::string name, std::string listen, std::size_t max_body_bytes,
                 std::size_t journal_limit, const Clock& clock, const std::vector<SinkFault>& faults);
  ~HttpSinkServer();

  // Routes added by the sink go here before start().
  httplib::Server& server() { return server_; }
  // Once per object: cpp-httplib routes cannot be removed, so no restart.
  void start(Hooks hooks);
  void stop();
  int port() const { return port_; }
  // Journals the request now, from the handler, before the response is
  // written — so a client that got its answer finds the entry. (httplib's
  // logger runs after the write; it only covers what no handler journaled.)
  void journal_now(const httplib::Request& req, const httplib::Response& res);
  // Wraps a sink's handler so that it journals itself.
  httplib::Server::Handler journaled(httplib::Server::Handler h) {
    return [this, h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
      h(req, res);
      journal_now(req, res);
    };
  }
  // "http://HOST:PORT"
  std::string base_url() const;

  Journal journal;
  FaultBook faults;
  const Clock& clock;

 private:
  std::string name_;
  std::string listen_;
  std::size_t max_body_bytes_;
  httplib::Server server_;
  std::thread thread_;
  Hooks hooks_;
  int port_ = 0;
  bool running_ = false;
};

void reply_json(httplib::Response& res, int status, const nlohmann::json& body);
const char* http_reason(int status);

}  // namespace keyward::fakes::sinks_detail
