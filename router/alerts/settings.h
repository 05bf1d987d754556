#pragma once
// Alert configuration: channels from the environment / .env (SMTP_URL,
// ALERT_EMAIL_FROM, ALERT_EMAIL_TO, TELEGRAM_BOT_TOKEN, TELEGRAM_CHAT_ID,
// TELEGRAM_API_URL, ALERT_WEBHOOK_URL) and from keyward.yaml's `alerts:` and
// `schedules:` sections. Precedence: built-in defaults < YAML < environment.
// A channel without its settings is off.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "router/alerts/channel.h"
#include "router/core/env_file.h"
#include "router/core/incidents.h"
#include "router/core/schedules.h"

namespace keyward::alerts {

struct ChannelSettings {
  std::string smtp_url;  // secret inside (password)
  std::string email_from = "Keyward <keyward@localhost>";
  std::vector<std::string> email_to;
  std::string telegram_token;  // secret
  std::string telegram_chat_id;
  std::string telegram_api_url = "https://api.telegram.org";
  std::string webhook_url;  // may be secret (Slack hook path)
  Millis connect_timeout{5'000};
  Millis total_timeout{15'000};

  bool email_on() const { return !smtp_url.empty() && !email_to.empty(); }
  bool telegram_on() const { return !telegram_token.empty() && !telegram_chat_id.empty(); }
  bool webhook_on() const { return !webhook_url.empty(); }
};

struct AlertSettings {
  ChannelSettings channels;
  AlertPolicy policy;
  ScheduleConfig schedules;
};

// Overrides `base` with the variables present in `env` (see merge_env()).
ChannelSettings channel_settings_from_env(const EnvMap& env, ChannelSettings base = {});

// Reads `alerts:` and `schedules:` from a keyward.yaml; other top-level keys
// are the router config's business and are ignored here. Unknown fields
// inside these sections throw SchemaError (file:line: path: message) — only
// while loading configuration.
//   alerts:
//     reminder_interval: 1h
//     disabled: [quota_exhausted]
//     timeouts: {connect: 5s, total: 15s}
//     email:    {smtp_url: "smtp://u:p@host:587", from: "Keyward <k@x>", to: [ops@x, oncall@x]}
//     telegram: {bot_token: "...", chat_id: "-100123", api_url: https://api.telegram.org}
//     webhook:  {url: https://hooks.slack.com/services/...}
//   schedules:
//     health_check: "06:00"        # UTC; "off" disables
//     expiry_warning: 7d
AlertSettings alert_settings_from_yaml(const std::string& yaml_text, const std::string& file_name,
                                       AlertSettings base = {});

// Everything from both sources: YAML (may be empty) then the environment.
AlertSettings load_alert_settings(const std::string& yaml_text, const std::string& file_name, const EnvMap& env);

// "smtp://alerts:****@127.0.0.1:2525", "123456:****", "https://hooks.slack.com/****".
std::string mask_url_password(const std::string& url);
std::string mask_bot_token(const std::string& token);
std::string mask_url_path(const std::string& url);

// The start-up log line, secrets masked:
// "Alert channels: email on (smtp://alerts:****@host:2525 -> ops@x.com), telegram on (chat -100123 via
//  https://api.telegram.org, bot 123:****), webhook off"
std::string channels_log_line(const ChannelSettings& s);
// {"email":true,"telegram":false,"webhook":false} for /api/status.
nlohmann::json channels_status_json(const ChannelSettings& s);

// One channel object per configured channel.
std::vector<std::unique_ptr<AlertChannel>> make_channels(const ChannelSettings& s);

}  // namespace keyward::alerts
