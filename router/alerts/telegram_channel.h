#pragma once
// Telegram Bot API: POST <api_url>/bot<token>/sendMessage with parse_mode HTML
// (the alert's telegram text is already escaped for it).
#include <string>

#include "router/alerts/channel.h"
#include "router/alerts/http_post.h"

namespace keyward::alerts {

struct TelegramOptions {
  std::string api_url = "https://api.telegram.org";  // a fake Bot API in tests
  std::string bot_token;                             // secret: never in errors or logs
  std::string chat_id;
  PostOptions http;
};

class TelegramChannel final : public AlertChannel {
 public:
  explicit TelegramChannel(TelegramOptions options);
  Channel kind() const override { return channel_telegram; }
  DeliveryResult send(const Alert& alert) override;

 private:
  TelegramOptions options_;
  Url base_;
  bool valid_ = false;
};

}  // namespace keyward::alerts
