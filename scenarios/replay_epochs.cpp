// Replay, stage "epochs": which router process (or reload) each record belongs to.
#include "scenarios/replay_stages.h"

namespace keyward::scenarios::replay {

namespace {

// N of a request id "req-N" (-1 when it has none): a router process counts
// its requests from 1.
long request_number(const JournalRecord& r) {
  auto dash = r.request_id.rfind('-');
  if (dash == std::string::npos) return -1;
  try {
    return std::stol(r.request_id.substr(dash + 1));
  } catch (...) {
    return -1;
  }
}

}  // namespace

Epochs split_epochs(const std::vector<JournalRecord>& records) {
  Epochs out;
  auto& epochs = out.list;
  epochs.resize(1);
  epochs[0].at = records.front().at;
  out.epoch_of.assign(records.size(), 0);
  long max_req = 0;
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t val_block = kNone;  // where the current run of validation lines began
  for (size_t i = 0; i < records.size(); ++i) {
    const JournalRecord& r = records[i];
    if (r.is_validation() && val_block == kNone) val_block = i;
    long n = r.type == RecordType::request ? request_number(r) : -1;
    std::optional<size_t> boundary;
    Epoch::How how = Epoch::How::restart;
    if (r.type == RecordType::reload) {
      // A reload validates the new keys before it journals its summary: the
      // "restart" those validations started is this reload.
      bool since_requests = false;
      for (size_t k = epochs.back().first; k < i && !since_requests; ++k)
        since_requests = records[k].type == RecordType::request;
      if (epochs.size() > 1 && epochs.back().how == Epoch::How::restart && !since_requests) {
        epochs.back().how = Epoch::How::reload;
      } else {
        boundary = i;
        how = Epoch::How::reload;
      }
    } else if (n > 0 && n <= max_req) {
      boundary = val_block != kNone ? val_block : i;
    } else if (r.names_key()) {
      auto it = epochs.back().masks.find({r.provider, r.key_id});
      if (it != epochs.back().masks.end() && it->second != *r.masked_key)
        boundary = r.is_validation() && val_block != kNone ? val_block : i;
    }
    if (boundary && *boundary > epochs.back().first) {
      Epoch e;
      e.first = *boundary;
      e.at = records[*boundary].at;
      e.how = how;
      // The few validation lines read since the boundary belong to the new process.
      for (size_t k = *boundary; k < i; ++k) {
        out.epoch_of[k] = epochs.size();
        if (records[k].names_key()) e.masks[{records[k].provider, records[k].key_id}] = *records[k].masked_key;
      }
      epochs.push_back(std::move(e));
      max_req = 0;
    }
    out.epoch_of[i] = epochs.size() - 1;
    if (r.names_key()) epochs.back().masks[{r.provider, r.key_id}] = *r.masked_key;
    if (n > max_req) max_req = n;
    if (!r.is_validation()) val_block = kNone;
  }
  // Epochs that ended up empty (a restart right after a reload) are harmless: they carry no records.
  for (size_t ei = 0; ei < epochs.size(); ++ei) {
    auto& e = epochs[ei];
    for (size_t k = e.first; k < records.size() && out.epoch_of[k] == ei; ++k) {
      if (records[k].type == RecordType::request) break;
      if (records[k].type == RecordType::validation) e.validated = true;
    }
  }
  return out;
}

}  // namespace keyward::scenarios::replay
