// `query serve`: flags and an optional YAML config file to ServerOptions, then runs the
// service until SIGTERM or SIGINT (requests in flight finish); SIGHUP re-reads the config
// file and applies what can change while running. Returns the exit status.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace postsearch::http {

// args: the arguments after "serve".
[[nodiscard]] int run_serve_cli(const std::vector<std::string>& args, std::ostream& out,
                                std::ostream& err);

}  // namespace postsearch::http
