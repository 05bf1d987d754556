#include "base/progress_line.h"

#include <unistd.h>

namespace keyward {

namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// `text` cut to `max_columns` characters (a character: a byte that does not
// continue a UTF-8 sequence), control bytes replaced; `*columns` is its width.
std::string printable(std::string_view text, size_t max_columns, size_t* columns) {
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!continuation(c)) {
      if (n == max_columns) break;
      ++n;
    }
    out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
  }
  *columns = n;
  return out;
}

}  // namespace

ProgressLine::ProgressLine(std::ostream& out, bool is_terminal, size_t max_columns)
    : out_(out), enabled_(is_terminal), max_columns_(max_columns) {}

ProgressLine::~ProgressLine() { clear(); }

void ProgressLine::show(std::string_view text) {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  size_t columns = 0;
  std::string line = printable(text, max_columns_, &columns);
  out_ << '\r' << line;
  if (columns < shown_columns_) out_ << std::string(shown_columns_ - columns, ' ');
  shown_columns_ = columns;
  out_.flush();
}

void ProgressLine::clear() {
  if (!enabled_) return;
  std::lock_guard lock(mu_);
  if (shown_columns_ == 0) return;
  out_ << '\r' << std::string(shown_columns_, ' ') << '\r';
  shown_columns_ = 0;
  out_.flush();
}

bool is_terminal_stderr() { return ::isatty(STDERR_FILENO) == 1; }

}  // namespace keyward
