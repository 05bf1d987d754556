#pragma once
// `keyward replay`: the router's JSONL journal -> an ordinary scenario that
// re-creates what each provider and key did, when, relative to the traffic.
//
//   world     every (provider, key id, masked key) seen becomes a stand-in raw
//             key (replay-groq-key-1-1a2b3c4d) in the state it was first seen
//             in; changes become key_state events when the journal first
//             shows them; outages / 5xx / network failures become provider
//             faults, cleared at the provider's first answer afterwards
//   timeline  request arrivals (windowed, compressed, sampled), .env edits +
//             restart / reload where the journal shows a new process or keys
//   expect    the liveness invariant recovers (safety checkers run anyway)
//
// The journal holds masked keys only; the output is checked for anything
// that looks like a raw key anyway and refused if it holds one.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/flags.h"

namespace keyward::scenarios {

struct ReplayOptions {
  std::optional<WallTime> from, to;  // window on journal time (inclusive)
  double compress = 1.0;             // offsets divided by this
  int sample = 1;                    // keep 1 request in N
  std::string source_name = "journal";
  // Bounds: what is read, and what is written.
  size_t max_lines = 500'000;
  size_t max_line_bytes = 256 * 1024;
  size_t max_requests = 20'000;
  size_t max_warnings = 30;  // printed; the rest are counted
  // Optional: called after each block read (64 KiB), with the lines and bytes
  // read so far (for a progress line).
  std::function<void(size_t lines, uint64_t bytes)> on_progress;
};

struct ReplayResult {
  bool ok = false;
  std::string error;                  // set when !ok: not a journal, refused output, ...
  std::vector<std::string> warnings;  // bounded by max_warnings (+ one summary line)
  std::string yaml;                   // the scenario
  size_t lines_read = 0, requests = 0, world_events = 0, keys = 0, restarts = 0;
};

ReplayResult replay_journal(std::istream& in, const ReplayOptions& options);

// Tokens of `text` that look like raw API keys (gsk_..., sk-..., AIza..., long
// mixed-case alphanumerics); the replay's own stand-ins are not reported.
std::vector<std::string> find_raw_keys(const std::string& text);

// keyward replay JOURNAL.jsonl [-o OUT.yaml] [--from T] [--to T] [--compress F] [--sample N]
// 0: written; 1: refused (a raw key would reach the output); 2: usage, unreadable or not a journal.
int replay_main(int argc, char** argv);
// Its flags and help (`keyward replay --help`).
extern const CommandHelp kReplayCommand;

}  // namespace keyward::scenarios
