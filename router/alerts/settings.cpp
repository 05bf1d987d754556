#include "router/alerts/settings.h"

#include <yaml-cpp/yaml.h>

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

[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& path, const std::string& msg) {
  throw ConfigError(file, n.Mark().line + 1, path, msg);
}

std::string scalar(const std::string& file, const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) fail(file, n, path, "expected a string");
  return n.Scalar();
}

Millis duration(const std::string& file, const YAML::Node& n, const std::string& path) {
  Millis d;
  if (!parse_duration(scalar(file, n, path), &d)) fail(file, n, path, "expected a duration like 30s, 5m, 1h");
  return d;
}

template <typename Fn>
void each_field(const std::string& file, const YAML::Node& n, const std::string& path,
                std::initializer_list<const char*> allowed, Fn fn) {
  if (!n.IsMap()) fail(file, n, path, "expected a mapping");
  for (const auto& kv : n) {
    auto key = kv.first.as<std::string>();
    bool ok = false;
    for (const char* a : allowed) ok = ok || key == a;
    if (!ok) fail(file, kv.first, path + "." + key, "unknown field '" + key + "'");
    fn(key, kv.second, path + "." + key);
  }
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
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::ParserException& e) {
    throw ConfigError(file, e.mark.line + 1, "(root)", e.msg);
  }
  if (!root || root.IsNull()) return s;
  if (!root.IsMap()) fail(file, root, "(root)", "expected a mapping");
  if (auto a = root["alerts"]; a && !a.IsNull()) {
    each_field(file, a, "alerts", {"reminder_interval", "disabled", "timeouts", "email", "telegram", "webhook"},
               [&](const std::string& key, const YAML::Node& v, const std::string& path) {
      if (key == "reminder_interval") {
        s.policy.reminder_interval = duration(file, v, path);
      } else if (key == "disabled") {
        if (!v.IsSequence()) fail(file, v, path, "expected a list of alert kinds");
        for (const auto& k : v) {
          AlertKind kind;
          if (!parse_alert_kind(scalar(file, k, path), &kind)) fail(file, k, path, "unknown alert kind '" + k.Scalar() + "'");
          s.policy.set_enabled(kind, false);
        }
      } else if (key == "timeouts") {
        each_field(file, v, path, {"connect", "total"}, [&](const std::string& k, const YAML::Node& d, const std::string& p) {
          (k == "connect" ? s.channels.connect_timeout : s.channels.total_timeout) = duration(file, d, p);
        });
      } else if (key == "email") {
        each_field(file, v, path, {"smtp_url", "from", "to"}, [&](const std::string& k, const YAML::Node& d, const std::string& p) {
          if (k == "smtp_url") s.channels.smtp_url = scalar(file, d, p);
          else if (k == "from") s.channels.email_from = scalar(file, d, p);
          else if (d.IsSequence()) {
            s.channels.email_to.clear();
            for (const auto& t : d) s.channels.email_to.push_back(scalar(file, t, p));
          } else {
            s.channels.email_to = split_addresses(scalar(file, d, p));
          }
        });
      } else if (key == "telegram") {
        each_field(file, v, path, {"bot_token", "chat_id", "api_url"}, [&](const std::string& k, const YAML::Node& d, const std::string& p) {
          (k == "bot_token" ? s.channels.telegram_token : k == "chat_id" ? s.channels.telegram_chat_id
                                                                         : s.channels.telegram_api_url) = scalar(file, d, p);
        });
      } else if (key == "webhook") {
        each_field(file, v, path, {"url"}, [&](const std::string&, const YAML::Node& d, const std::string& p) {
          s.channels.webhook_url = scalar(file, d, p);
        });
      }
    });
  }
  if (auto sc = root["schedules"]; sc && !sc.IsNull()) {
    each_field(file, sc, "schedules", {"health_check", "expiry_warning"},
               [&](const std::string& key, const YAML::Node& v, const std::string& path) {
      if (key == "health_check") {
        std::string t = scalar(file, v, path);
        if (t == "off" || t == "false") s.schedules.health_check_enabled = false;
        else if (!parse_time_of_day(t, &s.schedules.health_check_minute_utc))
          fail(file, v, path, "expected a UTC time like \"06:00\" or off");
        else s.schedules.health_check_enabled = true;
      } else {
        s.schedules.expiry_warning = duration(file, v, path);
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
