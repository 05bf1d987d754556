#include "base/escape.h"

namespace keyward {

namespace {

enum class Markup { html, html_text, xml };

std::string escape(std::string_view text, Markup markup) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char ch : text) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += markup == Markup::html_text ? "\"" : "&quot;";
        break;
      case '\'':
        out += markup == Markup::html_text ? "'" : "&#39;";
        break;
      default: {
        auto u = static_cast<unsigned char>(ch);
        bool forbidden = markup == Markup::xml && u < 0x20 && ch != '\n' && ch != '\t' && ch != '\r';
        out += forbidden ? '?' : ch;
      }
    }
  }
  return out;
}

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or the number of
// bytes (0..3) that form a valid but unfinished prefix before the first byte
// that cannot continue it. The ranges are Unicode's Table 3-7 (no overlongs,
// no surrogates, nothing above U+10FFFF), which is what nlohmann's decoder
// accepts.
struct Utf8Scan {
  size_t valid;   // > 0: a whole code point of this many bytes
  size_t prefix;  // valid == 0: bytes to drop before re-reading (0 = drop the lead byte itself)
};

Utf8Scan scan_utf8(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return {0, 0};  // 0x80..0xC1, 0xF5..0xFF: never a lead byte
  }
  for (size_t k = 1; k < need; ++k) {
    if (i + k >= s.size()) return {0, k};  // truncated by the end of the string
    unsigned char b = byte(i + k);
    bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
    if (!ok) return {0, k};
  }
  return {need, 0};
}

}  // namespace

std::string html_escape(std::string_view text) { return escape(text, Markup::html); }

std::string html_text_escape(std::string_view text) { return escape(text, Markup::html_text); }

std::string xml_escape(std::string_view text) { return escape(text, Markup::xml); }

std::string prometheus_label_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out;
}

std::string printable_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) c = '?';
  }
  return out;
}

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0, run = 0;  // s[run, i) is plain text not yet copied
  auto copy_run = [&] { out.append(s.data() + run, i - run); };
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      Utf8Scan u = scan_utf8(s, i);
      if (u.valid) {
        i += u.valid;  // stays part of the run
        continue;
      }
      copy_run();
      out.append("\xEF\xBF\xBD");  // U+FFFD
      // Like nlohmann: a bad lead byte is consumed; a prefix that a later byte
      // broke is dropped and that later byte is read again on its own.
      i += u.prefix ? u.prefix : 1;
      run = i;
      continue;
    }
    copy_run();
    out.push_back('\\');
    switch (c) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\r':
        out.push_back('r');
        break;
      case '\t':
        out.push_back('t');
        break;
      default:
        out.append("u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
    run = ++i;
  }
  copy_run();
  out.push_back('"');
}

}  // namespace keyward
