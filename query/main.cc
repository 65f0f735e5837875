// query: searches a postsearch index from the command line.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "query/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return postsearch::run_query_cli(args, {std::cout, std::cerr, isatty(STDOUT_FILENO) == 1});
}
