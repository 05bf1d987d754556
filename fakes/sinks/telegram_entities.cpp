// Telegram's entity parsing, to the extent that matters for alerts: the Bot
// API rejects a whole message when parse_mode is HTML or MarkdownV2 and the
// text is not escaped properly. The fake rejects the same mistakes, so a
// router that forgets to escape "<" in an error message fails a test here
// rather than an alert in production. Error texts follow Telegram's.
#include <cstring>

#include "fakes/sinks/sink_common.h"

namespace keyward::fakes::sinks_detail {

namespace {

const char* kHtmlTags[] = {"b",    "strong", "i",   "em",         "u",    "ins",
                           "s",    "strike", "del", "span",       "tg-spoiler",
                           "a",    "code",   "pre", "blockquote", "tg-emoji"};

bool is_tag_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string at(std::size_t offset) { return " at byte offset " + std::to_string(offset); }

}  // namespace

std::optional<std::string> check_html_entities(const std::string& text, std::string& plain) {
  plain.clear();
  std::vector<std::string> open;  // tag names, innermost last
  constexpr std::size_t kMaxDepth = 64;
  for (std::size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '<') {
      bool closing = i + 1 < text.size() && text[i + 1] == '/';
      std::size_t j = i + (closing ? 2 : 1);
      std::size_t name_start = j;
      while (j < text.size() && is_tag_char(text[j])) ++j;
      std::string name = lower(text.substr(name_start, j - name_start));
      auto gt = text.find('>', j);
      if (gt == std::string::npos) return "Unclosed start tag" + at(i);
      if (closing) {
        if (open.empty()) return "Unexpected end tag" + at(i);
        if (open.back() != name)
          return "Unmatched end tag" + at(i) + ", expected \"</" + open.back() + ">\", found \"</" +
                 name + ">\"";
        open.pop_back();
      } else {
        bool known = false;
        for (auto* t : kHtmlTags) known = known || name == t;
        if (!known) return "Unsupported start tag \"" + name + "\"" + at(i);
        // Attribute values may legitimately contain '>' only when quoted; a
        // stray '<' inside a tag is the usual unescaped-text mistake.
        if (text.find('<', j) < gt) return "Unclosed start tag" + at(i);
        if (open.size() >= kMaxDepth) return "Too deep entity nesting" + at(i);
        open.push_back(name);
      }
      i = gt + 1;
      continue;
    }
    if (c == '&') {
      auto semi = text.find(';', i);
      std::string ent = semi == std::string::npos || semi - i > 12 ? "" : text.substr(i + 1, semi - i - 1);
      std::string decoded;
      if (ent == "lt") decoded = "<";
      else if (ent == "gt") decoded = ">";
      else if (ent == "amp") decoded = "&";
      else if (ent == "quot") decoded = "\"";
      else if (ent == "apos") decoded = "'";
      else if (ent == "nbsp") append_utf8(decoded, 0xA0);
      else if (ent.size() > 1 && ent[0] == '#') {
        bool hex = ent[1] == 'x' || ent[1] == 'X';
        auto digits = ent.substr(hex ? 2 : 1);
        if (!digits.empty() &&
            digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") == std::string::npos) {
          unsigned long cp = std::stoul(digits, nullptr, hex ? 16 : 10);
          if (cp > 0 && cp <= 0x10FFFF) append_utf8(decoded, cp);
        }
      }
      if (decoded.empty()) return "Character entity expected" + at(i) + " (\"&\" must be escaped as \"&amp;\")";
      plain += decoded;
      i = semi + 1;
      continue;
    }
    plain += c;
    ++i;
  }
  if (!open.empty())
    return "Can't find end tag corresponding to start tag \"" + open.back() + "\"";
  return std::nullopt;
}

std::optional<std::string> check_markdown_v2_entities(const std::string& text, std::string& plain) {
  plain.clear();
  struct Open {
    std::string marker;  // "*", "_", "__", "~", "||", "["
    const char* name;
    std::size_t offset;
  };
  std::vector<Open> open;
  constexpr std::size_t kMaxDepth = 64;
  auto reserved = [](char c) { return std::strchr("_*[]()~`>#+-=|{}.!", c) != nullptr && c != '\0'; };
  auto reserved_error = [](char c) {
    return std::string("Character '") + c + "' is reserved and must be escaped with the preceding '\\'";
  };
  // Toggles a symmetric entity: closes it when innermost, opens it otherwise.
  auto toggle = [&](const std::string& marker, const char* name, std::size_t offset) -> std::optional<std::string> {
    if (!open.empty() && open.back().marker == marker) {
      open.pop_back();
      return std::nullopt;
    }
    for (auto& o : open)
      if (o.marker == marker) return std::string("Can't find end of ") + open.back().name + " entity" + at(open.back().offset);
    if (open.size() >= kMaxDepth) return "Too deep entity nesting" + at(offset);
    open.push_back({marker, name, offset});
    return std::nullopt;
  };

  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    char c = text[i];
    if (c == '\\') {
      if (i + 1 >= n) return reserved_error('\\');
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c == '`') {
      // Code and pre: inside, only '`' and '\' are escaped.
      bool pre = text.compare(i, 3, "```") == 0;
      const std::string fence = pre ? "```" : "`";
      std::size_t j = i + fence.size();
      bool closed = false;
      while (j < n) {
        if (text[j] == '\\' && j + 1 < n) {
          plain += text[j + 1];
          j += 2;
          continue;
        }
        if (text.compare(j, fence.size(), fence) == 0) {
          closed = true;
          break;
        }
        plain += text[j++];
      }
      if (!closed) return std::string("Can't find end of ") + (pre ? "Pre" : "Code") + " entity" + at(i);
      i = j + fence.size();
      continue;
    }
    std::optional<std::string> err;
    if (c == '*') err = toggle("*", "Bold", i), i += 1;
    else if (c == '_' && i + 1 < n && text[i + 1] == '_') err = toggle("__", "Underline", i), i += 2;
    else if (c == '_') err = toggle("_", "Italic", i), i += 1;
    else if (c == '~') err = toggle("~", "Strikethrough", i), i += 1;
    else if (c == '|' && i + 1 < n && text[i + 1] == '|') err = toggle("||", "Spoiler", i), i += 2;
    else if (c == '[') {
      if (open.size() >= kMaxDepth) return "Too deep entity nesting" + at(i);
      open.push_back({"[", "TextUrl", i});
      i += 1;
    } else if (c == ']' && !open.empty() && open.back().marker == "[") {
      open.pop_back();
      i += 1;
      if (i < n && text[i] == '(') {
        // The URL: ')' and '\' must be escaped inside it.
        std::size_t j = i + 1;
        while (j < n && text[j] != ')') j += text[j] == '\\' ? 2 : 1;
        if (j >= n) return "Can't find end of a URL" + at(i);
        i = j + 1;
      }
    } else if (c == '>' && (i == 0 || text[i - 1] == '\n')) {
      i += 1;  // a blockquote line
    } else if (reserved(c)) {
      return reserved_error(c);
    } else {
      plain += c;
      i += 1;
    }
    if (err) return err;
  }
  if (!open.empty()) return std::string("Can't find end of ") + open.back().name + " entity" + at(open.back().offset);
  return std::nullopt;
}

}  // namespace keyward::fakes::sinks_detail
