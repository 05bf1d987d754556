#pragma once
// The one place where cpp-httplib's error values become the router's
// TransportError (STYLE.md: "convert it into the router's own result type in
// exactly one file").
#include <httplib.h>

#include "router/core/classifier.h"

namespace keyward::http {

// `deadline_passed`: the call ran for at least its timeout. cpp-httplib 0.11
// reports an expired read timeout as a plain Read error, so elapsed time is
// what tells a timeout from a peer that closed early.
TransportError map_httplib_error(httplib::Error error, bool deadline_passed);

}  // namespace keyward::http
