#include "base/utf8.h"

namespace keyward {

namespace {

bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string_view utf8_prefix(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  // text[cut] is the first byte left out; while it continues a sequence, the
  // sequence started before the bound: leave out its first bytes too.
  size_t cut = max_bytes;
  while (cut > 0 && continuation(text[cut])) --cut;
  return text.substr(0, cut);
}

std::string utf8_truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::string out(utf8_prefix(text, max_bytes));
  out += "...";
  return out;
}

}  // namespace keyward
