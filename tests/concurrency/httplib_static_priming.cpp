// Runs one GET and one POST through a cpp-httplib server and client before
// any test starts, with the server's request handling on the main thread.
//
// Why: Debian's libcpp-httplib.so is not built with -fsanitize=thread. Its
// function-local statics (the first is the `static const std::set<std::string>
// methods` in Server::parse_request_line) are guarded by an inline check of
// the guard byte that TSan cannot see, while the memcpy/memcmp the library
// calls are intercepted. When two server threads parse their first request
// at the same moment, TSan reports the one that found the set already built
// as racing with the one that built it (about every second run of
// ReloadUnderTraffic). Built here first, every later thread is created after
// the initialisation, so the report cannot arise, and no TSan check on our
// own code or on the library's calls is switched off (a suppression would).
#include <httplib.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>

namespace {

// Runs each accepted connection on the accepting (here: the main) thread.
class InlineTaskQueue : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

class HttplibStaticPriming : public testing::Environment {
 public:
  void SetUp() override {
    httplib::Server server;
    server.new_task_queue = [] { return new InlineTaskQueue; };
    server.set_tcp_nodelay(true);
    server.Get("/prime", [](const httplib::Request&, httplib::Response& res) { res.set_content("{}", "application/json"); });
    server.Post("/prime", [](const httplib::Request& req, httplib::Response& res) { res.set_content(req.body, "application/json"); });
    const int port = server.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);

    bool answered = false;
    std::thread client([&] {
      {
        httplib::Client cli("127.0.0.1", port);
        cli.set_tcp_nodelay(true);
        auto get = cli.Get("/prime");
        auto post = cli.Post("/prime", "{\"q\":1}", "application/json");
        answered = get && get->status == 200 && post && post->status == 200 && post->body == "{\"q\":1}";
      }  // the connection closes here, so the inline handler returns to accept()
      server.stop();
    });
    server.listen_after_bind();
    client.join();
    ASSERT_TRUE(answered) << "the priming request through cpp-httplib got no answer";
  }
};

[[maybe_unused]] const auto* const kPriming = testing::AddGlobalTestEnvironment(new HttplibStaticPriming);

}  // namespace
