#include "router/alerts/telegram_channel.h"

#include <nlohmann/json.hpp>

#include "base/escape.h"
#include "router/core/alert_messages.h"

namespace keyward::alerts {

TelegramChannel::TelegramChannel(TelegramOptions options) : options_(std::move(options)) {
  valid_ = parse_url(options_.api_url, &base_);
}

DeliveryResult TelegramChannel::send(const Alert& alert) {
  if (!valid_) return DeliveryResult::failure("telegram: bad TELEGRAM_API_URL");
  // Alerts without a short form still reach Telegram if routed there: subject only.
  std::string text = alert.telegram.empty() ? html_text_escape(alert.subject) : alert.telegram;
  nlohmann::json body = {{"chat_id", options_.chat_id},
                         {"text", text},
                         {"parse_mode", "HTML"},
                         {"disable_web_page_preview", true}};
  std::string response;
  auto r = post_json(base_, "/bot" + options_.bot_token + "/sendMessage", body.dump(), {}, options_.http,
                     "telegram sendMessage", &response);
  if (!r.ok) return r;
  auto j = nlohmann::json::parse(response, nullptr, false);
  if (j.is_object() && j.value("ok", false) == false)
    return DeliveryResult::failure("telegram sendMessage: ok=false " + one_line(j.value("description", ""), 200));
  return r;
}

}  // namespace keyward::alerts
