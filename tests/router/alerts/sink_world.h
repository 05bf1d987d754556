#pragma once
// The fake SMTP, Telegram and webhook sinks, started on port 0, plus channel
// settings that point at them.
#include <memory>

#include "base/clock.h"
#include "fakes/sinks/sinks.h"
#include "router/alerts/settings.h"

namespace keyward::test {

struct SinkWorld {
  SimClock sink_clock{WallTime(std::chrono::milliseconds(1763452815000LL))};
  std::unique_ptr<fakes::SinkFleet> fleet;
  alerts::ChannelSettings settings;

  SinkWorld() {
    fakes::SinksOptions o;
    o.smtp = fakes::SmtpSinkOptions{};
    o.telegram = fakes::TelegramSinkOptions{};
    o.webhook = fakes::WebhookSinkOptions{};
    fleet = std::make_unique<fakes::SinkFleet>(o, sink_clock, 7);
    fleet->start();
    settings.smtp_url = "smtp://alerts:pw@127.0.0.1:" + std::to_string(fleet->smtp()->port());
    settings.email_from = "Keyward <keyward@example.com>";
    settings.email_to = {"ops@example.com"};
    settings.telegram_api_url = fleet->telegram()->url();
    settings.telegram_token = "123:ABC";
    settings.telegram_chat_id = "42";
    settings.webhook_url = fleet->webhook()->url();
    settings.connect_timeout = std::chrono::seconds(2);
    settings.total_timeout = std::chrono::seconds(5);
  }
  ~SinkWorld() { fleet->stop(); }
  fakes::SmtpSink& smtp() { return *fleet->smtp(); }
  fakes::TelegramSink& telegram() { return *fleet->telegram(); }
  fakes::WebhookSink& webhook() { return *fleet->webhook(); }
};

}  // namespace keyward::test
