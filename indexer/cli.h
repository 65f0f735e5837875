// The `indexer` command line: flags and an optional YAML config file (config_file.h) to
// IndexerOptions, one run_indexer(), then the summary as text or JSON. Progress and
// diagnostics go to the error stream while the run goes on.
// Exit status: 0 all posts indexed, 1 some failed (the rest are committed), 2 usage or
// fatal error. Not thread-safe.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace postsearch {

struct IndexerStreams {
  std::ostream& out;
  std::ostream& err;
  bool err_is_terminal = false;  // draw a progress bar
};

// argv without the program name; returns the exit status.
[[nodiscard]] int run_indexer_cli(const std::vector<std::string>& args, IndexerStreams streams);

}  // namespace postsearch
