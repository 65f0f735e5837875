// The site owner's verbs of the `query` command: `query test FILE` runs a site's relevance
// tests (relevance_tests.h) against an index, exit status 0 when all pass, 1 on any
// failure, 2 on errors (a bad file or case, no index); `query report` prints what readers
// searched for and did not find (analytics/report.h), 0 or 2 on errors. Not thread-safe.
#pragma once

#include <string>
#include <vector>

#include "query/cli.h"

namespace postsearch {

// args: the arguments after "test"; returns the exit status.
[[nodiscard]] int run_test_cli(const std::vector<std::string>& args, CliStreams streams);
// args: the arguments after "report"; returns the exit status.
[[nodiscard]] int run_report_cli(const std::vector<std::string>& args, CliStreams streams);

}  // namespace postsearch
