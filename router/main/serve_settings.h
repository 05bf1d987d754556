#pragma once
// keyward.yaml's `server:` section: the public listener's limits and threads.
// Every field is optional; unknown fields are errors (file:line: server.field),
// read with base/yaml_reader.h like every section of the file.
//   server:
//     loop_threads: 1          # event loops
//     handler_threads: 32      # threads for routes that block (routing, validation, reload)
//     handler_queue: 1024      # requests waiting for a handler thread; beyond: 503
//     max_streams: 16          # streaming answers at once; beyond: 503
//     max_connections: 10000   # open at once; beyond: closed at accept
//     body_limit: 1048576      # bytes: 413
//     max_headers: 100         # header fields: 431
//     max_head_bytes: 16384    # request line + headers: 431
//     head_timeout: 10s        # the whole head, from its first byte: 408
//     body_timeout: 30s        # the whole body: 408
//     idle_timeout: 60s        # a connection with no request under way: closed
//     write_timeout: 30s       # an answer the client does not take: closed
//     max_unsent_bytes: 1048576  # a stream this far ahead of its client: waits, then cut off
//     linger_bytes: 4194304    # after a refusal, discarded to let the client read it
//     linger_timeout: 2s
// Read once at start: a reload does not change the listener.
#include <string>

#include "base/schema_error.h"
#include "router/http/service.h"

namespace keyward {

// Throws SchemaError (only while loading configuration).
http::ServerSettings server_settings_from_yaml(const std::string& yaml_text, const std::string& file,
                                               http::ServerSettings base = {});

}  // namespace keyward
