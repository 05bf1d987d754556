#include "router/alerts/smtp_channel.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>

namespace keyward::alerts {

namespace {

struct Upload {
  const std::string* data;
  size_t offset = 0;
};

size_t read_payload(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* up = static_cast<Upload*>(userdata);
  size_t room = size * nitems;
  size_t left = up->data->size() - up->offset;
  size_t n = std::min(room, left);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

void global_init() {
  // libcurl's global init is not thread-safe on every build: once per process.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

SmtpChannel::SmtpChannel(SmtpOptions options) : options_(std::move(options)) { global_init(); }

DeliveryResult SmtpChannel::send(const Alert& alert) {
  CURL* curl = curl_easy_init();
  if (!curl) return DeliveryResult::failure("smtp: curl_easy_init failed");
  std::string payload = compose_mail(alert, options_.envelope);
  Upload upload{&payload};
  std::string from = "<" + bare_address(options_.envelope.from) + ">";
  curl_slist* rcpt = nullptr;
  for (const auto& to : options_.envelope.to) rcpt = curl_slist_append(rcpt, ("<" + bare_address(to) + ">").c_str());
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // a worker thread: no SIGALRM for timeouts
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count()));
  if (options_.url.rfind("smtp://", 0) == 0)
    curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(options_.require_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!options_.verify_tls) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }

  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc == CURLE_OK) return DeliveryResult::success();
  // libcurl's messages name host and port, never the URL's credentials.
  std::string err = "smtp: " + std::string(curl_easy_strerror(rc));
  if (errbuf[0]) err += ": " + std::string(errbuf);
  if (code) err += " (last reply " + std::to_string(code) + ")";
  return DeliveryResult::failure(err);
}

}  // namespace keyward::alerts
