#include "router/alerts/mime.h"

#include <algorithm>
#include <ctime>

#include "base/escape.h"
#include "base/utf8.h"
#include "router/core/alert_messages.h"

namespace keyward::alerts {

std::string base64_encode(std::string_view data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8) | uint8_t(data[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    uint32_t n = uint32_t(uint8_t(data[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    uint32_t n = (uint32_t(uint8_t(data[i])) << 16) | (uint32_t(uint8_t(data[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64_lines(std::string_view data) {
  std::string b = base64_encode(data), out;
  for (size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

std::string encode_header_value(std::string_view value) {
  std::string v = one_line(value, 900);
  bool plain = std::all_of(v.begin(), v.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (plain && v.size() <= 900) return v;
  // 45 bytes of UTF-8 -> 60 base64 characters + 12 of "=?UTF-8?B??=" = 72 <= 75.
  std::string out;
  size_t i = 0;
  while (i < v.size()) {
    std::string_view rest = std::string_view(v).substr(i);
    std::string_view word = utf8_prefix(rest, 45);
    // A run of 45 stray continuation bytes has no boundary to cut at: cut
    // anyway, or the loop would never move on.
    if (word.empty()) word = rest.substr(0, 45);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(word) + "?=";
    i += word.size();
  }
  return out;
}

std::string rfc5322_date(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::time_point_cast<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);  // C locale names, as RFC 5322 wants
  return buf;
}

std::string message_id(const Alert& alert) { return "<" + alert.id + "@keyward>"; }

std::string bare_address(const std::string& mailbox) {
  auto lt = mailbox.find('<');
  auto gt = mailbox.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return one_line(mailbox.substr(lt + 1, gt - lt - 1));
  std::string s = one_line(mailbox);
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  return s;
}

namespace {

// "Keyward Alerts <a@b>" with the display name encoded if needed.
std::string mailbox_header(const std::string& mailbox) {
  auto lt = mailbox.find('<');
  if (lt == std::string::npos) return bare_address(mailbox);
  std::string name = one_line(mailbox.substr(0, lt));
  while (!name.empty() && name.back() == ' ') name.pop_back();
  std::string addr = "<" + bare_address(mailbox) + ">";
  return name.empty() ? addr : encode_header_value(name) + " " + addr;
}

std::string crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 40);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

}  // namespace

std::string compose_mail(const Alert& alert, const MailEnvelope& envelope) {
  std::string to;
  for (const auto& t : envelope.to) to += (to.empty() ? "" : ", ") + bare_address(t);
  std::string boundary = "=_keyward_" + alert.id;  // "=_" never occurs in base64 lines
  std::string m;
  m += "Date: " + rfc5322_date(alert.created_at) + "\r\n";
  m += "From: " + mailbox_header(envelope.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + encode_header_value(alert.subject) + "\r\n";
  m += "Message-ID: " + message_id(alert) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "X-Keyward-Alert-Kind: " + std::string(to_string(alert.kind)) + "\r\n";
  m += "X-Keyward-Severity: " + std::string(to_string(alert.severity)) + "\r\n";
  if (!alert.incident_id.empty()) m += "X-Keyward-Incident: " + one_line(alert.incident_id, 100) + "\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(crlf(alert.text));
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_lines(alert.html.empty() ? "<pre>" + html_escape(alert.text) + "</pre>" : alert.html);
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace keyward::alerts
