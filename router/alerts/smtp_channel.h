#pragma once
// Email over SMTP with libcurl: smtp:// (STARTTLS when the server offers it),
// smtps:// (implicit TLS), AUTH from the URL's user:password.
#include <string>
#include <vector>

#include "router/alerts/channel.h"
#include "router/alerts/mime.h"

namespace keyward::alerts {

struct SmtpOptions {
  std::string url;  // smtp://user:pass@host:587 or smtps://host:465; credentials are percent-decoded by libcurl
  MailEnvelope envelope;
  Millis connect_timeout{5'000};
  Millis total_timeout{15'000};
  // smtp:// asks for STARTTLS and goes on in clear text when the server has
  // none (CURLUSESSL_TRY); set to require it.
  bool require_starttls = false;
  bool verify_tls = true;  // off only for tests against a self-signed fake
};

class SmtpChannel final : public AlertChannel {
 public:
  explicit SmtpChannel(SmtpOptions options);
  Channel kind() const override { return channel_email; }
  DeliveryResult send(const Alert& alert) override;

 private:
  SmtpOptions options_;
};

}  // namespace keyward::alerts
