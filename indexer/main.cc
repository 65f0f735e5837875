// indexer: turns a Jekyll, Hugo or plain Markdown site into a postsearch index.
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "indexer/cli.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return postsearch::run_indexer_cli(args, {std::cout, std::cerr, isatty(STDERR_FILENO) == 1});
}
