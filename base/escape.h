#pragma once
// Escaping untrusted text (provider error texts, prompts, key names, scenario
// strings) for where it goes: HTML pages and mails, XML reports, Telegram and
// Slack markup, JSON text. One implementation each; nothing else in the tree
// escapes by hand.
#include <string>
#include <string_view>

namespace keyward {

// &, <, >, " and ' as entities: safe in HTML text and in attribute values.
std::string html_escape(std::string_view text);
// Only &, < and >: element text whose readers decode just those three and
// would show &quot; or &#39; literally — Telegram's parse_mode HTML texts,
// Slack's mrkdwn — and <pre> blocks.
std::string html_text_escape(std::string_view text);
// html_escape, and control characters other than tab, newline and carriage
// return as '?': XML 1.0 forbids them even as character references (JUnit).
std::string xml_escape(std::string_view text);

// A Prometheus label value (text exposition format): '\', '"' and newline
// escaped. Provider names and models come from configuration, but still.
std::string prometheus_label_escape(std::string_view text);

// `text` with every byte outside printable ASCII as '?': request bytes quoted
// by the fakes (paths, key masks) must not make JSON serialisation fail on
// invalid UTF-8.
std::string printable_ascii(std::string_view text);

// Appends `s` as a JSON string literal (quotes included), byte for byte what
// nlohmann::json::dump(-1, ' ', false, error_handler_t::replace) writes: '"',
// '\' and control characters escaped (\b \f \n \r \t, else \u00xx), valid
// UTF-8 copied as is, each invalid or truncated UTF-8 sequence replaced by
// U+FFFD. For JSON built as text on hot paths (journal lines, provider
// request bodies); anything else can use nlohmann directly.
void append_json_string(std::string& out, std::string_view s);

}  // namespace keyward
