// query: searches a postsearch index from the command line, or serves it over HTTP
// (`query serve`); runs a site's relevance tests (`query test`) and reports what readers
// searched for (`query report`).
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "query/cli.h"
#include "query/http/serve_cli.h"
#include "query/owner_cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "serve") {
    postsearch::http::bound_thread_caches(argv);
    return postsearch::http::run_serve_cli({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  const postsearch::CliStreams streams{std::cout, std::cerr, isatty(STDOUT_FILENO) == 1};
  if (!args.empty() && args.front() == "test")
    return postsearch::run_test_cli({args.begin() + 1, args.end()}, streams);
  if (!args.empty() && args.front() == "report")
    return postsearch::run_report_cli({args.begin() + 1, args.end()}, streams);
  return postsearch::run_query_cli(args, streams);
}
