#include "router/alerts/webhook_channel.h"

#include "base/escape.h"
#include "base/utc_time.h"
#include "router/core/alert_messages.h"

namespace keyward::alerts {

nlohmann::json webhook_payload(const Alert& alert) {
  return {{"kind", to_string(alert.kind)},
          {"severity", to_string(alert.severity)},
          {"subject", alert.subject},
          // Slack mrkdwn treats &, < and > as control characters, and only those.
          {"text", html_text_escape(alert.subject + "\n\n" + alert.text)},
          {"body", alert.text},
          {"incident_id", alert.incident_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(alert.incident_id)},
          {"alert_id", alert.id},
          {"created_at", format_iso8601(alert.created_at)}};
}

WebhookChannel::WebhookChannel(WebhookOptions options) : options_(std::move(options)) {
  valid_ = parse_url(options_.url, &url_);
}

DeliveryResult WebhookChannel::send(const Alert& alert) {
  if (!valid_) return DeliveryResult::failure("webhook: bad ALERT_WEBHOOK_URL");
  // The receiver can drop a retried delivery by this key.
  return post_json(url_, "", webhook_payload(alert).dump(), {{"Idempotency-Key", alert.id}, {"X-Keyward-Alert-Id", alert.id}},
                   options_.http, "webhook");
}

}  // namespace keyward::alerts
