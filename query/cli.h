// The `query` command line: parses flags into a SearchRequest (or a related, suggest or
// post look-up), runs it through a Searcher, and prints readable results (bold matches
// on a terminal, plain when piped) or exactly the API's JSON with --json.
// Exit status like grep: 0 with hits, 1 with none, 2 on errors. Not thread-safe.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace postsearch {

struct CliStreams {
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
};

// argv without the program name; returns the exit status.
[[nodiscard]] int run_query_cli(const std::vector<std::string>& args, CliStreams streams);

// snippet_html as terminal text: entities decoded, <mark> as bold (or nothing when plain).
[[nodiscard]] std::string html_to_terminal(const std::string& html, bool bold);

}  // namespace postsearch
