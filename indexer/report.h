// How an indexing run talks to the person or CI job that started it: a progress bar
// with posts per second and time left on a terminal, a quiet log line every few seconds
// otherwise, diagnostics as "path:line:col: error: ...", and the closing summary as
// text or JSON. Writes to the streams it is given; not thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <ostream>

#include "indexer/indexer.h"

namespace postsearch {

struct ReporterOptions {
  bool terminal = false;  // draw a progress bar (stderr is a TTY)
  bool quiet = false;     // no progress at all
};

class ProgressReporter {
 public:
  ProgressReporter(std::ostream& err, ReporterOptions options) : err_(err), options_(options) {}

  void progress(const IndexProgress& p);
  void diagnostic(const Diagnostic& d);
  void finish();  // ends the progress line

 private:
  std::ostream& err_;
  ReporterOptions options_;
  bool bar_drawn_ = false;
  double last_log_ = 0;
};

[[nodiscard]] nlohmann::json summary_json(const IndexSummary& summary);
void print_summary(std::ostream& out, const IndexSummary& summary);

// 0 when every post went in, 1 when some failed (the rest are committed).
[[nodiscard]] int exit_status(const IndexSummary& summary);

}  // namespace postsearch
