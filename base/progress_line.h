#pragma once
// Progress of long work on one terminal line: `keyward run` over a folder
// ("[12/40] name…"), `keyward replay` of a large journal, `keyward run
// --shrink`. Each update rewrites the line in place ("\r" + text, padded with
// spaces over what the previous one left); clear() erases it before ordinary
// output. When the output is not a terminal (a pipe, a CI log, a file) every
// call does nothing, so logs and redirected output never see a "\r".
#include <cstddef>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

namespace keyward {

class ProgressLine {
 public:
  // `is_terminal`: whether `out` is a terminal (is_terminal_stderr() for the
  // commands' stderr). `max_columns`: longer text is cut, so that the line
  // never wraps (a wrapped line cannot be rewritten with "\r").
  ProgressLine(std::ostream& out, bool is_terminal, size_t max_columns = 100);
  ~ProgressLine();  // clear()
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  // Rewrites the line with `text` (control characters shown as '?': names
  // come from files). Safe to call from several threads.
  void show(std::string_view text);
  // Erases the line and returns to its start; the next show() starts afresh.
  void clear();

 private:
  std::mutex mu_;
  std::ostream& out_;
  const bool enabled_;
  const size_t max_columns_;
  size_t shown_columns_ = 0;  // what the last show() left on the line
};

// isatty(STDERR_FILENO): where the commands draw their progress.
bool is_terminal_stderr();

}  // namespace keyward
