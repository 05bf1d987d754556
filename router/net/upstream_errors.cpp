#include "router/net/upstream_errors.h"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/beast/http/error.hpp>
#include <utility>  // boost/asio headers need it first with g++ 12 (Boost 1.74)

namespace keyward::net {

namespace http = boost::beast::http;
namespace asio = boost::asio;

const char* to_string(UpstreamPhase phase) {
  switch (phase) {
    case UpstreamPhase::resolve:
      return "resolve";
    case UpstreamPhase::connect:
      return "connect";
    case UpstreamPhase::tls:
      return "tls";
    case UpstreamPhase::send:
      return "send";
    case UpstreamPhase::head:
      return "head";
    case UpstreamPhase::body:
      return "body";
  }
  return "?";
}

namespace {
// Beast's parser refused what it read (bad status line, header, chunk, ...).
bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_version).category();
}
}  // namespace

bool is_peer_closed(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated ||
         ec == http::error::end_of_stream || ec == http::error::partial_message;
}

TransportError upstream_transport_error(UpstreamPhase phase, const boost::system::error_code& ec) {
  if (!ec) return TransportError::none;
  if (ec == asio::error::timed_out) return TransportError::timeout;  // the kernel gave up first
  switch (phase) {
    case UpstreamPhase::resolve:
    case UpstreamPhase::connect:
      return TransportError::connect_failed;
    case UpstreamPhase::tls:
      return TransportError::tls;
    case UpstreamPhase::send:
      return TransportError::connection_reset;
    case UpstreamPhase::head:
      // Nothing usable came back: a hang-up (even mid-head) is a reset; bytes
      // that are not an HTTP/1.x head, or a head over its limit, are unreadable.
      if (is_peer_closed(ec)) return TransportError::connection_reset;
      if (ec == http::error::body_limit) return TransportError::body_too_large;  // a declared length over the limit
      if (is_http_error(ec)) return TransportError::read_failed;
      return TransportError::connection_reset;
    case UpstreamPhase::body:
      if (ec == http::error::body_limit) return TransportError::body_too_large;
      if (ec == asio::error::connection_reset || ec == asio::error::broken_pipe)
        return TransportError::connection_reset;
      if (is_peer_closed(ec)) return TransportError::truncated_body;  // the status came, the body was cut
      if (is_http_error(ec)) return TransportError::read_failed;      // bad chunk framing and the like
      return TransportError::connection_reset;
  }
  return TransportError::connection_reset;
}

}  // namespace keyward::net
