#pragma once
// The one place where the network libraries' errors (Asio, OpenSSL through
// Asio, Beast's HTTP parser) become the router's TransportError (STYLE.md:
// convert a library's errors in one place). Only router/net's provider client
// includes it.
#include <boost/system/error_code.hpp>

#include "router/core/classifier.h"

namespace keyward::net {

// Where a provider call was when the error came.
enum class UpstreamPhase {
  resolve,  // DNS
  connect,  // TCP
  tls,      // the TLS handshake
  send,     // writing the request
  head,     // reading the status line and headers
  body,     // reading the body (the status is known)
};
const char* to_string(UpstreamPhase phase);

// The error an I/O operation of `phase` completed with, as the classifier sees
// it: connect_failed, tls, connection_reset, read_failed (an answer that is
// not HTTP/1.x or is framed wrongly, or a head over its limit),
// truncated_body (the provider hung up mid-body), body_too_large.
// Timeouts and a consumer's own abort are not library errors: the client sets
// those directly.
TransportError upstream_transport_error(UpstreamPhase phase, const boost::system::error_code& ec);

// An error that means "the peer closed or reset the connection" (as opposed to
// "it answered garbage"): on a reused keep-alive connection before any byte of
// an answer, the request is retried once on a fresh connection.
bool is_peer_closed(const boost::system::error_code& ec);

}  // namespace keyward::net
