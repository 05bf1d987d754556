#pragma once
// Building an RFC 5322 / MIME message for the SMTP channel. Untrusted text
// only ever reaches the body (base64) or an RFC 2047 encoded-word, and header
// values are made single-line first, so nothing can add a header.
#include <string>
#include <string_view>
#include <vector>

#include "router/core/alert_outbox.h"

namespace keyward::alerts {

std::string base64_encode(std::string_view data);
// Base64 in lines of 76 characters, CRLF-terminated (RFC 2045).
std::string base64_lines(std::string_view data);
// A header value: plain when printable ASCII, else RFC 2047 UTF-8 "B"
// encoded-words (each at most 75 characters, split on character boundaries),
// folded with CRLF SP. CR/LF/control characters are removed first.
std::string encode_header_value(std::string_view value);
// "Tue, 18 Nov 2025 08:00:21 +0000".
std::string rfc5322_date(WallTime t);

struct MailEnvelope {
  std::string from;             // "Keyward <alerts@example.com>" or "alerts@example.com"
  std::vector<std::string> to;  // addresses
};
// The complete message (headers + multipart/alternative text and HTML), CRLF line ends.
std::string compose_mail(const Alert& alert, const MailEnvelope& envelope);
// "<kw-...@keyward>"
std::string message_id(const Alert& alert);
// The bare address inside "Name <addr>", or the input trimmed.
std::string bare_address(const std::string& mailbox);

}  // namespace keyward::alerts
