// Replay, stage "timeline": world events, the operator's .env edits and
// restarts/reloads, and the requests with their recorded outcomes.
#include <algorithm>
#include <tuple>

#include "scenarios/replay_stages.h"

namespace keyward::scenarios::replay {

namespace {

// At equal times: world changes, then operator actions, then requests.
enum Order { kWorld = 0, kOperator = 1, kRequest = 2 };

struct Item {
  Event event;
  int order = kWorld;
  size_t seq = 0;       // journal order within an order class
  std::string outcome;  // requests: the recorded outcome ("" otherwise)
};

std::string redact_keys(const std::string& text, size_t line, Warnings& warn) {
  auto found = find_raw_keys(text);
  if (found.empty()) return text;
  std::string out = text;
  for (const auto& k : found)
    for (size_t pos; (pos = out.find(k)) != std::string::npos;) out.replace(pos, k.size(), "[redacted-key]");
  warn.add("line " + std::to_string(line) +
           ": a request message holds something that looks like an API key; "
           "replaced by [redacted-key]");
  return out;
}

std::string outcome_text(const JournalRecord& o) {
  std::string s = std::to_string(o.http_status) + " " + o.outcome_kind;
  if (o.outcome_provider && o.outcome_kind == "provider") s += " " + *o.outcome_provider;
  if (o.cause) s += " (" + *o.cause + ")";
  return s;
}

void add_operator_actions(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWorld& world,
                          const ReplayWindow& window, std::vector<Item>& items, size_t& seq, ReplayTimeline& out) {
  for (size_t ei = window.start_epoch + 1; ei < epochs.list.size(); ++ei) {
    const Epoch& e = epochs.list[ei];
    if (!window.contains(e.at) || e.how == Epoch::How::start) continue;
    Event edit;
    edit.kind = Event::Kind::edit_env;
    edit.at = window.offset(e.at);
    for (const auto& [slot, g] : world.env_of[ei]) {
      auto prev = world.env_of[ei - 1].find(slot);
      if (prev != world.env_of[ei - 1].end() && prev->second == g) continue;
      edit.env_edits[env_prefix(slot.first) + "_API_KEY_" + std::to_string(slot.second)] = world.keys.at(slot)[g].raw;
    }
    if (!edit.env_edits.empty()) {
      edit.comment = "the journal shows new keys from here";
      items.push_back({edit, kOperator, seq++, ""});
    }
    Event action;
    action.at = edit.at;
    if (e.how == Epoch::How::reload) {
      action.kind = Event::Kind::reload;
      action.comment = "journal line " + std::to_string(records[e.first].line);
    } else {
      action.kind = Event::Kind::restart;
      action.validate_on_start = e.validated;
      action.comment = "a new router process (request ids start again, or new keys were validated)";
      ++out.restarts;
    }
    items.push_back({action, kOperator, seq++, ""});
  }
}

void add_requests(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWindow& window,
                  const ReplayOptions& o, Warnings& warn, std::vector<Item>& items, size_t& seq, ReplayTimeline& out) {
  // Request ids repeat across processes: an outcome is found by (epoch, id).
  std::map<std::pair<size_t, std::string>, const JournalRecord*> outcomes;
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].type == RecordType::outcome) outcomes[{epochs.epoch_of[i], records[i].request_id}] = &records[i];
  size_t nth = 0, dropped = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const JournalRecord& r = records[i];
    if (r.type != RecordType::request || !window.contains(r.at)) continue;
    if (nth++ % static_cast<size_t>(o.sample) != 0) continue;
    if (out.requests >= o.max_requests) {
      ++dropped;
      continue;
    }
    Event e;
    e.kind = Event::Kind::request;
    e.at = window.offset(r.at);
    e.request.api = r.route == "chat" ? "chat" : "openai";
    e.request.stream = e.request.api == "openai" && (r.stream || r.route == "openai_stream");
    e.request.message = redact_keys(r.last_message, r.line, warn);
    if (e.request.message.empty()) e.request.message = "(empty)";
    auto oc = outcomes.find({epochs.epoch_of[i], r.request_id});
    items.push_back({e, kRequest, seq++, oc == outcomes.end() ? "no outcome journaled" : outcome_text(*oc->second)});
    ++out.requests;
  }
  if (dropped)
    warn.add(std::to_string(dropped) + " more requests in the window were left out (bound " +
             std::to_string(o.max_requests) + "); use --sample N or --from/--to");
}

bool same_request(const Item& a, const Item& b) {
  return a.order == kRequest && b.order == kRequest && a.outcome == b.outcome &&
         a.event.request.api == b.event.request.api && a.event.request.message == b.event.request.message &&
         a.event.request.stream == b.event.request.stream;
}

}  // namespace

ReplayTimeline build_timeline(const std::vector<JournalRecord>& records, const Epochs& epochs, const ReplayWorld& world,
                              const ReplayWindow& window, const ReplayOptions& o, Warnings& warn) {
  ReplayTimeline out;
  std::vector<Item> items;
  size_t seq = 0;
  for (const auto& w : world.events) items.push_back({w.event, kWorld, seq++, ""});
  add_operator_actions(records, epochs, world, window, items, seq, out);
  add_requests(records, epochs, window, o, warn, items, seq, out);
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(a.event.at, a.order, a.seq) < std::tie(b.event.at, b.order, b.seq);
  });
  // Identical requests with the same recorded outcome at a steady pace share
  // an id: the emitter folds them into one event with repeat/every.
  size_t rid = 0;
  for (size_t i = 0; i < items.size();) {
    size_t j = i + 1;
    if (items[i].order == kRequest) {
      if (j < items.size() && same_request(items[i], items[j])) {
        Millis every = items[j].event.at - items[i].event.at;
        while (j < items.size() && j - i < 100000 && same_request(items[i], items[j]) &&
               items[j].event.at - items[j - 1].event.at == every)
          ++j;
      }
      std::string id = "r" + std::to_string(++rid);
      for (size_t k = i; k < j; ++k) items[k].event.id = id;
      size_t n = j - i;
      items[i].event.comment =
          clock_label(items[i].event.at) + " " + (n > 1 ? std::to_string(n) + "x " : "") + "recorded: " + items[i].outcome;
    }
    i = j;
  }
  out.events.reserve(items.size());
  for (auto& it : items) out.events.push_back(std::move(it.event));
  return out;
}

}  // namespace keyward::scenarios::replay
