#include "router/http/http_error.h"

namespace keyward::http {

TransportError map_httplib_error(httplib::Error error, bool deadline_passed) {
  switch (error) {
    case httplib::Error::Success: return TransportError::none;
    case httplib::Error::ConnectionTimeout: return TransportError::timeout;
    case httplib::Error::Connection:
    case httplib::Error::BindIPAddress: return deadline_passed ? TransportError::timeout : TransportError::connect_failed;
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLLoadingCerts:
    case httplib::Error::SSLServerVerification: return TransportError::tls;
    case httplib::Error::Read:
      // A peer that closes (RST or FIN) before or during the answer.
      return deadline_passed ? TransportError::timeout : TransportError::connection_reset;
    case httplib::Error::Write: return deadline_passed ? TransportError::timeout : TransportError::connection_reset;
    case httplib::Error::Canceled:
      // Our own receiver aborted: the caller overrides with the precise reason
      // (body_too_large, client gone, total deadline); this is the fallback.
      return deadline_passed ? TransportError::timeout : TransportError::read_failed;
    case httplib::Error::Compression: return TransportError::malformed_body;
    default: return TransportError::read_failed;
  }
}

}  // namespace keyward::http
