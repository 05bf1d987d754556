// Just enough MIME to read what an alerting client sends: header unfolding,
// RFC 2047 encoded-words, base64 / quoted-printable bodies and multipart
// (alternative, mixed, nested) — so a scenario can assert on the text an
// operator would read, not on its transport encoding.
#include <cctype>
#include <string_view>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes::sinks_detail {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// ISO-8859-1 bytes map 1:1 onto U+0000..U+00FF.
std::string latin1_to_utf8(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return out;
}

// RFC 2047 4.2: "_" is a space, =XX a byte.
std::string q_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
               hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// Tries to read one encoded-word at `pos`; on success returns its decoded text
// and sets `end` past it.
std::optional<std::string> encoded_word(const std::string& s, std::size_t pos, std::size_t& end) {
  if (s.compare(pos, 2, "=?") != 0) return std::nullopt;
  auto q1 = s.find('?', pos + 2);
  if (q1 == std::string::npos) return std::nullopt;
  if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return std::nullopt;
  auto close = s.find("?=", q1 + 3);
  if (close == std::string::npos) return std::nullopt;
  std::string charset = lower(s.substr(pos + 2, q1 - pos - 2));
  // RFC 2231 language suffix: "utf-8*en".
  if (auto star = charset.find('*'); star != std::string::npos) charset.resize(star);
  char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(s[q1 + 1])));
  std::string text = s.substr(q1 + 3, close - q1 - 3);
  if (text.find_first_of(" \t") != std::string::npos) return std::nullopt;  // not a word
  std::string bytes;
  if (enc == 'B') bytes = base64_decode(text);
  else if (enc == 'Q') bytes = q_decode(text);
  else return std::nullopt;
  if (charset == "iso-8859-1" || charset == "latin1") bytes = latin1_to_utf8(bytes);
  end = close + 2;
  return bytes;
}

struct Part {
  std::vector<std::pair<std::string, std::string>> headers;  // unfolded, not decoded
  std::string body;                                          // raw, lines joined with \r\n

  std::string get(const std::string& name) const {
    auto want = lower(name);
    for (auto& [k, v] : headers)
      if (lower(k) == want) return v;
    return "";
  }
};

// Splits a MIME entity into unfolded headers and body. Accepts CRLF or bare LF.
Part split_entity(std::string_view text) {
  Part p;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.empty()) break;  // end of headers
    if ((line[0] == ' ' || line[0] == '\t') && !p.headers.empty()) {
      // RFC 5322 2.2.3: unfolding removes the CRLF only, the whitespace stays.
      p.headers.back().second += std::string(line);
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // not a header; ignore, as MUAs do
    p.headers.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  p.body = std::string(text.substr(std::min(pos, text.size())));
  return p;
}

// "text/plain; charset=utf-8; boundary=\"x\"" → type "text/plain", params.
struct ContentType {
  std::string type = "text/plain";
  std::string charset;
  std::string boundary;
};

ContentType parse_content_type(const std::string& value) {
  ContentType ct;
  if (trim(value).empty()) return ct;
  auto semi = value.find(';');
  ct.type = lower(trim(value.substr(0, semi)));
  while (semi != std::string::npos) {
    auto start = semi + 1;
    // A quoted value may contain ';'.
    auto eq = value.find('=', start);
    if (eq == std::string::npos) break;
    std::string name = lower(trim(value.substr(start, eq - start)));
    std::string v;
    std::size_t i = eq + 1;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    if (i < value.size() && value[i] == '"') {
      ++i;
      while (i < value.size() && value[i] != '"') {
        if (value[i] == '\\' && i + 1 < value.size()) ++i;
        v += value[i++];
      }
      semi = value.find(';', i);
    } else {
      semi = value.find(';', i);
      v = trim(value.substr(i, semi == std::string::npos ? std::string::npos : semi - i));
    }
    if (name == "charset") ct.charset = lower(v);
    if (name == "boundary") ct.boundary = v;
  }
  return ct;
}

std::string normalize_newlines(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  return out;
}

std::string decode_body(const Part& p, const ContentType& ct) {
  auto cte = lower(trim(p.get("Content-Transfer-Encoding")));
  std::string out;
  if (cte == "base64") out = base64_decode(p.body);
  else if (cte == "quoted-printable") out = quoted_printable_decode(p.body);
  else out = p.body;
  if (ct.charset == "iso-8859-1" || ct.charset == "latin1") out = latin1_to_utf8(out);
  out = normalize_newlines(out);
  // The CRLF before a boundary belongs to the boundary (RFC 2046 5.1.1), and
  // the CRLF before the final "." is not part of the body.
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Multipart bodies are split on "--boundary" lines; nesting is bounded so a
// hostile message cannot recurse without limit.
constexpr int kMaxDepth = 8;

void walk(const Part& p, int depth, MailMessage& m) {
  auto ct = parse_content_type(p.get("Content-Type"));
  if (ct.type.rfind("multipart/", 0) == 0 && !ct.boundary.empty() && depth < kMaxDepth) {
    const std::string delim = "--" + ct.boundary;
    std::string_view body = p.body;
    std::vector<std::string_view> parts;
    std::size_t pos = 0, part_start = std::string_view::npos;
    while (pos <= body.size()) {
      auto nl = body.find('\n', pos);
      auto line = body.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::size_t next = nl == std::string_view::npos ? body.size() + 1 : nl + 1;
      if (line.rfind(delim, 0) == 0) {
        bool final = line.substr(delim.size()).rfind("--", 0) == 0;
        if (part_start != std::string_view::npos) parts.push_back(body.substr(part_start, pos - part_start));
        if (final) break;
        part_start = std::min(next, body.size());
      }
      pos = next;
    }
    for (auto sv : parts) walk(split_entity(sv), depth + 1, m);
    return;
  }
  auto disposition = lower(p.get("Content-Disposition"));
  if (disposition.rfind("attachment", 0) == 0) return;
  if (ct.type == "text/plain" && m.body.empty()) m.body = decode_body(p, ct);
  else if (ct.type == "text/html" && m.html.empty()) m.html = decode_body(p, ct);
}

}  // namespace

std::string base64_decode(const std::string& in) {
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+' || c == '-') v = 62;
    else if (c == '/' || c == '_') v = 63;
    else if (c == '=') break;
    else continue;  // whitespace and line breaks inside a body
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

std::string base64_encode(const std::string& in) {
  static const char* tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                 (static_cast<unsigned char>(in[i + 1]) << 8) | static_cast<unsigned char>(in[i + 2]);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += tbl[n & 63];
  }
  if (i + 1 == in.size()) {
    unsigned n = static_cast<unsigned char>(in[i]) << 16;
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += tbl[(n >> 18) & 63];
    out += tbl[(n >> 12) & 63];
    out += tbl[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string quoted_printable_decode(const std::string& in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out += in[i];
      continue;
    }
    // Soft line break: "=" at the end of a line (RFC 2045 6.7 rule 5),
    // possibly followed by trailing whitespace.
    std::size_t j = i + 1;
    while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
    if (j < in.size() && (in[j] == '\r' || in[j] == '\n')) {
      if (in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n') ++j;
      i = j;
      continue;
    }
    if (j >= in.size()) break;
    if (i + 2 < in.size() && hex_value(in[i + 1]) >= 0 && hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else {
      out += '=';  // malformed: keep literally, as robust decoders do
    }
  }
  return out;
}

std::string decode_rfc2047(const std::string& value) {
  std::string out;
  std::size_t i = 0;
  bool last_was_word = false;
  std::string pending_ws;  // whitespace after an encoded-word, dropped if another follows
  while (i < value.size()) {
    std::size_t end = 0;
    if (auto word = encoded_word(value, i, end)) {
      // RFC 2047 6.2: whitespace between adjacent encoded-words is ignored.
      if (!last_was_word) out += pending_ws;
      pending_ws.clear();
      out += *word;
      last_was_word = true;
      i = end;
      continue;
    }
    char c = value[i];
    if (c == ' ' || c == '\t') {
      pending_ws += c;
    } else {
      out += pending_ws;
      pending_ws.clear();
      out += c;
      last_was_word = false;
    }
    ++i;
  }
  out += pending_ws;
  return out;
}

void parse_mail(MailMessage& m) {
  Part top = split_entity(m.raw);
  m.headers.clear();
  for (auto& [k, v] : top.headers) {
    m.headers.emplace_back(k, decode_rfc2047(v));
  }
  m.from = m.header("From");
  m.to = m.header("To");
  m.subject = m.header("Subject");
  m.message_id = m.header("Message-ID");
  m.content_type = top.get("Content-Type");
  m.body.clear();
  m.html.clear();
  walk(top, 0, m);
  // A message with only an HTML part: its body is the HTML, so that "body
  // contains" assertions still see the text.
  if (m.body.empty() && !m.html.empty()) m.body = m.html;
}

}  // namespace keyward::fakes::sinks_detail
