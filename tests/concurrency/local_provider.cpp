#include "tests/concurrency/local_provider.h"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <utility>  // boost/asio headers need it first with g++ 12 (Boost 1.74)

#include "router/net/event_loop.h"

namespace keyward::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Tcp = asio::ip::tcp;

namespace {

const char* kAnswer =
    R"({"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}]})";
const char* kInvalid =
    R"({"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}})";

std::string sse_stream() {
  std::string out;
  for (const char* d : {"Hel", "lo ", "there"})
    out +=
        std::string(
            R"(data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":")") +
        d + R"("},"finish_reason":null}]})" + "\n\n";
  out +=
      R"(data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"
      "\n\ndata: [DONE]\n\n";
  return out;
}

struct Session : std::enable_shared_from_this<Session> {
  Session(Tcp::socket s, const std::string& good, std::atomic<long>& n)
      : socket(std::move(s)), good_key(good), count(n) {}
  Tcp::socket socket;
  const std::string& good_key;
  std::atomic<long>& count;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  http::response<http::string_body> response;

  void read() {
    request = {};
    http::async_read(socket, buffer, request, [self = shared_from_this()](boost::system::error_code ec, size_t) {
      if (!ec) self->answer();
    });
  }
  void answer() {
    ++count;
    response = {};
    response.version(11);
    response.keep_alive(request.keep_alive());
    const bool good = request[http::field::authorization] == "Bearer " + good_key;
    if (!good) {
      response.result(http::status::unauthorized);
      response.set(http::field::content_type, "application/json");
      response.body() = kInvalid;
    } else if (request.body().find("\"stream\":true") != std::string::npos) {
      response.result(http::status::ok);
      response.set(http::field::content_type, "text/event-stream");
      response.body() = sse_stream();
    } else {
      response.result(http::status::ok);
      response.set(http::field::content_type, "application/json");
      response.body() = kAnswer;
    }
    response.prepare_payload();
    http::async_write(socket, response, [self = shared_from_this()](boost::system::error_code ec, size_t) {
      if (!ec && self->response.keep_alive()) self->read();
    });
  }
};

}  // namespace

struct LocalProvider::Impl {
  explicit Impl(std::string good) : good_key(std::move(good)), acceptor(loop.context(0)) {
    Tcp::endpoint at(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(at.protocol());
    acceptor.set_option(Tcp::acceptor::reuse_address(true));
    acceptor.bind(at);
    acceptor.listen(asio::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();
    accept();
    loop.start();
  }
  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, Tcp::socket s) {
      if (ec) return;  // closed: the provider is stopping
      s.set_option(Tcp::no_delay(true), ec);
      std::make_shared<Session>(std::move(s), good_key, requests)->read();
      accept();
    });
  }
  std::string good_key;
  std::atomic<long> requests{0};
  net::EventLoop loop{1};
  Tcp::acceptor acceptor;
  unsigned short port = 0;
};

LocalProvider::LocalProvider(std::string good_key) : impl_(std::make_unique<Impl>(std::move(good_key))) {}

LocalProvider::~LocalProvider() {
  impl_->loop.stop();  // then no thread touches the acceptor or the sessions: they go with impl_
}

std::string LocalProvider::base_url() const { return "http://127.0.0.1:" + std::to_string(impl_->port) + "/v1"; }

long LocalProvider::requests() const { return impl_->requests.load(); }

}  // namespace keyward::test
