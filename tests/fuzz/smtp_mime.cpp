// The fake SMTP sink's message parser: MIME multipart, transfer encodings and
// RFC 2047 encoded words, on any DATA payload.
#include <string>

#include "fakes/sinks/sink_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace keyward::fakes;
  std::string text(reinterpret_cast<const char*>(data), size);
  MailMessage m;
  m.raw = text;
  sinks_detail::parse_mail(m);
  (void)m.header("subject");
  (void)sinks_detail::decode_rfc2047(text);
  (void)sinks_detail::base64_decode(text);
  (void)sinks_detail::quoted_printable_decode(text);
  return 0;
}
