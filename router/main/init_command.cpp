// keyward init [--dir DIR]: a commented keyward.yaml and a .env.example for
// Groq, Gemini and Mistral, so that a new user edits instead of reading the
// schema first. Refuses to overwrite: it writes nothing when either file exists.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/flags.h"
#include "router/main/commands.h"

namespace keyward {

const char* const kInitKeywardYaml = R"(# keyward.yaml, written by `keyward init`. Every field is optional: the
# built-in defaults (Groq, then Gemini, then Mistral) serve with no file at
# all. Durations: 500ms, 10s, 5m, 1h, 7d. Every field: docs/examples/keyward.yaml.

# Per-call deadlines.
timeouts: {request: 10s, connect: 2s, validation: 5s}

# A key that fails authentication is out for auth_base, doubling on each
# repeat up to auth_max; strikes are forgotten after strike_decay.
quarantine: {auth_base: 5m, auth_max: 1h, strike_decay: 1h, rate_limit_default: 10s}

# A provider failing this many calls in a row (outage, network) is ejected
# with backoff from `base` up to `max`.
ejection: {consecutive_failures: 3, base: 30s, max: 5m}

# Answers kept for the emergency path: a stale answer beats none.
cache: {enabled: true, max_entries: 1000, max_bytes: 8388608, ttl: 1h}

routing:
  key_order: ordered        # ordered (key 1 first) or round_robin (smooth, weighted)
  max_attempts: 32
  # A key with no success for this long is doubtful again: one request
  # probes it while the others wait for the verdict.
  probe_fresh_for: 30s
  # key_weights: {groq: {1: 3, 2: 1}}   # round_robin shares by weight

# Shown to your users in the emergency answer.
support_url: https://platform.example.com/support

alerts:
  reminder_interval: 1h     # while an incident stays open
  dedup_window: 1h          # a restart does not repeat an alert younger than this
  # disabled: [quota_exhausted]

journal:
  record_messages: true     # false keeps prompt text out of the journal

schedules:
  health_check: "06:00"     # UTC: every key pinged once a day
  expiry_warning: 7d        # before GROQ_API_KEY_1_EXPIRES and friends

# Several replicas behind a load balancer share key states, incidents and
# alert claims through one Redis (docs/CLUSTER.md); KEYWARD_REDIS_URL wins.
# cluster:
#   redis_url: redis://:password@10.0.0.5:6379/0
#   replica_id: web-1       # default: hostname:pid
#   key_prefix: keyward
)";

const char* const kInitEnvExample = R"(# .env.example, written by `keyward init`. Copy it to .env, fill it in, and
# keep it private: chmod 600 .env (keyward serve warns when others can read it).

# Keys, tried in order within a provider (1, 2, 3 ...); providers in order
# Groq, Gemini, Mistral. *_EXPIRES (YYYY-MM-DD) turns on expiry reminders.
GROQ_API_KEY_1=gsk_...
GROQ_API_KEY_1_EXPIRES=2026-12-31
GROQ_API_KEY_2=gsk_...
GEMINI_API_KEY_1=AIza...
GEMINI_API_KEY_2=AIza...
MISTRAL_API_KEY_1=...

# Alert channels (any of them; none: alerts only on the dashboard).
SMTP_URL=smtps://user:password@smtp.example.com:465
ALERT_EMAIL_FROM=Keyward <keyward@platform.example.com>
ALERT_EMAIL_TO=oncall@platform.example.com
TELEGRAM_BOT_TOKEN=
TELEGRAM_CHAT_ID=
ALERT_WEBHOOK_URL=

# Guards POST /admin/reload, POST /admin/keys/test and GET /api/journal.
# Rotate it by editing it here and reloading (SIGHUP).
KEYWARD_ADMIN_TOKEN=change-me-to-a-long-random-string

# Cluster mode (docs/CLUSTER.md): replicas share state through this Redis.
# KEYWARD_REDIS_URL=redis://:password@10.0.0.5:6379/0
)";

namespace {

constexpr Flag kInitFlags[] = {
    {"--dir", "DIR", "where to write keyward.yaml and .env.example (default: the current directory)"},
};

}  // namespace

const CommandHelp kInitCommand{
    "init", "[--dir DIR]",
    "write a commented keyward.yaml and a .env.example for Groq, Gemini and Mistral (never overwrites)", kInitFlags,
    "exit: 0 written, 1 a file exists (nothing written) or cannot be written, 2 bad usage\n"};

int init_main(int argc, char** argv) {
  ParsedArgs args;
  std::string error;
  bool ok = parse_flags(argc, argv, kInitFlags, &args, &error);
  if (ok && !args.positionals.empty()) {
    ok = false;
    error = "unexpected argument '" + args.positionals.front() + "'";
  }
  if (!ok) return usage_error(kInitCommand, error);
  std::filesystem::path dir = args.value("--dir").value_or(".");
  const std::pair<const char*, const char*> files[] = {{"keyward.yaml", kInitKeywardYaml},
                                                       {".env.example", kInitEnvExample}};
  for (const auto& [name, text] : files) {
    std::error_code ec;
    if (std::filesystem::exists(dir / name, ec)) {
      std::fprintf(stderr, "keyward init: %s already exists; nothing written (move it away to start over)\n",
                   (dir / name).c_str());
      return 1;
    }
  }
  for (const auto& [name, text] : files) {
    std::ofstream out(dir / name);
    out << text;
    if (!out.flush()) {
      std::fprintf(stderr, "keyward init: cannot write %s\n", (dir / name).c_str());
      return 1;
    }
    std::printf("wrote %s\n", (dir / name).c_str());
  }
  std::printf("next: cp .env.example .env && chmod 600 .env, fill in your keys, then: keyward serve\n");
  return 0;
}

}  // namespace keyward
