#pragma once
// A generic JSON webhook: {kind, severity, subject, text, body, incident_id,
// alert_id, created_at}. `text` is Slack-compatible (a Slack incoming webhook
// shows it as the message).
#include <string>

#include <nlohmann/json.hpp>

#include "router/alerts/channel.h"
#include "router/alerts/http_post.h"

namespace keyward::alerts {

struct WebhookOptions {
  std::string url;  // may hold a secret path (Slack): never logged unmasked
  PostOptions http;
};

nlohmann::json webhook_payload(const Alert& alert);

class WebhookChannel final : public AlertChannel {
 public:
  explicit WebhookChannel(WebhookOptions options);
  Channel kind() const override { return channel_webhook; }
  DeliveryResult send(const Alert& alert) override;

 private:
  WebhookOptions options_;
  Url url_;
  bool valid_ = false;
};

}  // namespace keyward::alerts
