#include "router/alerts/settings.h"

#include "base/yaml_reader.h"
#include "router/alerts/smtp_channel.h"
#include "router/alerts/telegram_channel.h"
#include "router/alerts/webhook_channel.h"

namespace keyward::alerts {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

std::vector<std::string> split_addresses(const std::string& list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string item = trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

ChannelSettings channel_settings_from_env(const EnvMap& env, ChannelSettings s) {
  auto get = [&](const char* name, std::string* out) {
    auto it = env.find(name);
    if (it != env.end() && !it->second.value.empty()) *out = it->second.value;
  };
  get("SMTP_URL", &s.smtp_url);
  get("ALERT_EMAIL_FROM", &s.email_from);
  std::string to;
  get("ALERT_EMAIL_TO", &to);
  if (!to.empty()) s.email_to = split_addresses(to);
  get("TELEGRAM_BOT_TOKEN", &s.telegram_token);
  get("TELEGRAM_CHAT_ID", &s.telegram_chat_id);
  get("TELEGRAM_API_URL", &s.telegram_api_url);
  get("ALERT_WEBHOOK_URL", &s.webhook_url);
  return s;
}

AlertSettings alert_settings_from_yaml(const std::string& yaml_text, const std::string& file, AlertSettings s) {
  YAML::Node doc = parse_yaml(yaml_text, file);
  check_yaml_shape(doc, file);
  if (!doc || doc.IsNull()) return s;
  YamlField root{doc, file, ""};
  root.require_map();
  if (root.has("alerts") && !root.node["alerts"].IsNull()) {
    root.child("alerts").each_field(
        {"reminder_interval", "dedup_window", "disabled", "timeouts", "email", "telegram", "webhook"},
        [&](const std::string& key, const YamlField& v) {
          if (key == "reminder_interval") {
            s.policy.reminder_interval = v.duration();
          } else if (key == "dedup_window") {
            s.policy.dedup_window = v.duration();
          } else if (key == "disabled") {
            if (!v.node.IsSequence()) v.fail("expected a list of alert kinds");
            for (size_t i = 0; i < v.node.size(); ++i) {
              YamlField k = v.at(i);
              AlertKind kind;
              if (!parse_alert_kind(k.str(), &kind)) k.fail("unknown alert kind '" + k.str() + "'");
              s.policy.set_enabled(kind, false);
            }
          } else if (key == "timeouts") {
            v.each_field({"connect", "total"}, [&](const std::string& k, const YamlField& d) {
              (k == "connect" ? s.channels.connect_timeout : s.channels.total_timeout) = d.duration();
            });
          } else if (key == "email") {
            v.each_field({"smtp_url", "from", "to"}, [&](const std::string& k, const YamlField& d) {
              if (k == "smtp_url") {
                s.channels.smtp_url = d.str();
              } else if (k == "from") {
                s.channels.email_from = d.str();
              } else if (d.node.IsSequence()) {
                s.channels.email_to.clear();
                for (size_t i = 0; i < d.node.size(); ++i) s.channels.email_to.push_back(d.at(i).str());
              } else {
                s.channels.email_to = split_addresses(d.str());
              }
            });
          } else if (key == "telegram") {
            v.each_field({"bot_token", "chat_id", "api_url"}, [&](const std::string& k, const YamlField& d) {
              (k == "bot_token"  ? s.channels.telegram_token
               : k == "chat_id" ? s.channels.telegram_chat_id
                                : s.channels.telegram_api_url) = d.str();
            });
          } else if (key == "webhook") {
            v.each_field({"url"}, [&](const std::string&, const YamlField& d) { s.channels.webhook_url = d.str(); });
          }
        });
  }
  if (root.has("schedules") && !root.node["schedules"].IsNull()) {
    root.child("schedules").each_field({"health_check", "expiry_warning"}, [&](const std::string& key, const YamlField& v) {
      if (key == "health_check") {
        std::string t = v.str();
        if (t == "off" || t == "false") s.schedules.health_check_enabled = false;
        else if (!parse_time_of_day(t, &s.schedules.health_check_minute_utc))
          v.fail("expected a UTC time like \"06:00\" or off");
        else s.schedules.health_check_enabled = true;
      } else {
        s.schedules.expiry_warning = v.duration();
      }
    });
  }
  return s;
}

AlertSettings load_alert_settings(const std::string& yaml_text, const std::string& file_name, const EnvMap& env) {
  AlertSettings s = yaml_text.empty() ? AlertSettings{} : alert_settings_from_yaml(yaml_text, file_name);
  s.channels = channel_settings_from_env(env, s.channels);
  return s;
}

std::string mask_url_password(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return url;
  auto at = url.find('@', scheme + 3);
  auto slash = url.find('/', scheme + 3);
  if (at == std::string::npos || (slash != std::string::npos && slash < at)) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;  // user only, no password
  return url.substr(0, colon + 1) + "****" + url.substr(at);
}

std::string mask_bot_token(const std::string& token) {
  auto colon = token.find(':');
  return (colon == std::string::npos ? std::string() : token.substr(0, colon + 1)) + "****";
}

std::string mask_url_path(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) return "****";
  auto slash = url.find('/', scheme + 3);
  std::string origin = mask_url_password(url.substr(0, slash));
  return slash == std::string::npos ? origin : origin + "/****";
}

std::string channels_log_line(const ChannelSettings& s) {
  std::string line = "Alert channels: email ";
  if (s.email_on()) {
    std::string to;
    for (const auto& t : s.email_to) to += (to.empty() ? "" : ", ") + t;
    line += "on (" + mask_url_password(s.smtp_url) + " -> " + to + ")";
  } else {
    line += "off";
  }
  line += ", telegram ";
  line += s.telegram_on() ? "on (chat " + s.telegram_chat_id + " via " + s.telegram_api_url + ", bot " +
                                mask_bot_token(s.telegram_token) + ")"
                          : "off";
  line += ", webhook ";
  line += s.webhook_on() ? "on (" + mask_url_path(s.webhook_url) + ")" : "off";
  return line;
}

nlohmann::json channels_status_json(const ChannelSettings& s) {
  return {{"email", s.email_on()}, {"telegram", s.telegram_on()}, {"webhook", s.webhook_on()}};
}

std::vector<std::unique_ptr<AlertChannel>> make_channels(const ChannelSettings& s) {
  std::vector<std::unique_ptr<AlertChannel>> out;
  PostOptions http{s.connect_timeout, s.total_timeout};
  if (s.email_on()) {
    SmtpOptions o;
    o.url = s.smtp_url;
    o.envelope = {s.email_from, s.email_to};
    o.connect_timeout = s.connect_timeout;
    o.total_timeout = s.total_timeout;
    out.push_back(std::make_unique<SmtpChannel>(o));
  }
  if (s.telegram_on())
    out.push_back(std::make_unique<TelegramChannel>(TelegramOptions{s.telegram_api_url, s.telegram_token, s.telegram_chat_id, http}));
  if (s.webhook_on()) out.push_back(std::make_unique<WebhookChannel>(WebhookOptions{s.webhook_url, http}));
  return out;
}

}  // namespace keyward::alerts
