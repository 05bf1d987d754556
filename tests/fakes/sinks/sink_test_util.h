#pragma once
// Test helpers for the sink tests: a libcurl SMTP sender (the client the
// router uses) and a raw line-oriented SMTP client for protocol corners curl
// never exercises.
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/clock.h"

namespace keyward::fakes::test {

inline WallTime at(long long ms_since_epoch) { return WallTime(std::chrono::milliseconds(ms_since_epoch)); }
// 2025-11-18T08:00:15Z, the founding scenario's first request.
inline constexpr long long kScenarioMs = 1763452815000LL;

struct MailSend {
  std::string url;
  std::string from = "<keyward@example.com>";
  std::vector<std::string> to = {"<ops@example.com>"};
  std::string payload;           // headers + CRLF + body, CRLF line ends
  std::string user, password;    // AUTH when user is set
  std::string login_options;     // "AUTH=LOGIN" to force a mechanism
};

struct MailResult {
  CURLcode code = CURLE_OK;
  long smtp_code = 0;  // last SMTP reply code curl saw
  std::string error;
};

inline MailResult send_mail(const MailSend& m) {
  struct Reader {
    const std::string* data;
    std::size_t pos = 0;
  } reader{&m.payload};
  auto read_cb = +[](char* buf, size_t size, size_t n, void* ud) -> size_t {
    auto* r = static_cast<Reader*>(ud);
    size_t len = std::min(size * n, r->data->size() - r->pos);
    std::copy_n(r->data->data() + r->pos, len, buf);
    r->pos += len;
    return len;
  };
  MailResult res;
  CURL* curl = curl_easy_init();
  char err[CURL_ERROR_SIZE] = {};
  curl_slist* rcpts = nullptr;
  for (auto& t : m.to) rcpts = curl_slist_append(rcpts, t.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, m.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, m.from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpts);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
  curl_easy_setopt(curl, CURLOPT_READDATA, &reader);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(m.payload.size()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!m.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, m.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, m.password.c_str());
  }
  if (!m.login_options.empty()) curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, m.login_options.c_str());
  res.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res.smtp_code);
  res.error = err[0] ? err : curl_easy_strerror(res.code);
  curl_slist_free_all(rcpts);
  curl_easy_cleanup(curl);
  return res;
}

// Builds a message with CRLF line ends from LF-separated text.
inline std::string crlf(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') out += "\r\n";
    else out += c;
  }
  return out;
}

// A blocking line client for raw SMTP dialogues.
class RawSmtp {
 public:
  explicit RawSmtp(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    timeval tv{10, 0};  // a hung test fails instead of hanging
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawSmtp() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& s) { (void)!::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  // One reply (all lines of a multi-line reply); "" on EOF.
  std::string reply() {
    std::string out;
    for (;;) {
      auto line = read_line();
      if (line.empty()) return out;
      out += line;
      if (line.size() < 4 || line[3] != '-') return out;
    }
  }
  int code() {
    auto r = reply();
    return r.size() >= 3 ? std::stoi(r.substr(0, 3)) : 0;
  }
  int cmd(const std::string& line) {
    send(line + "\r\n");
    return code();
  }

 private:
  std::string read_line() {
    for (;;) {
      auto nl = buf_.find('\n');
      if (nl != std::string::npos) {
        auto line = buf_.substr(0, nl + 1);
        buf_.erase(0, nl + 1);
        return line;
      }
      char tmp[4096];
      auto n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n <= 0) return "";
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }
  int fd_;
  bool connected_ = false;
  std::string buf_;
};

}  // namespace keyward::fakes::test
