// `query serve`: flags and an optional YAML config file to ServerOptions, then runs the
// service until SIGTERM or SIGINT (requests in flight finish); SIGHUP re-reads the config
// file and applies what can change while running. Returns the exit status.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/option_table.h"
#include "query/http/server.h"
#include "query/source_options.h"

namespace postsearch::http {

// Everything `query serve`'s command line and config file set.
struct ServeSettings {
  ServerOptions server;  // host and port come from `listen`, index_dir and open from `source`
  IndexSource source;
  std::string listen = "127.0.0.1:8080";  // HOST:PORT ([::1]:8080); port 0 picks one
  std::string config;                     // --config: the YAML file, re-read on SIGHUP
};

// `query serve`'s option table: each flag and config key, its help, and which settings a
// reload (SIGHUP) applies to the running service.
[[nodiscard]] const options::OptionTable<ServeSettings>& serve_option_table();

// `running` with the reloadable settings of the config file `file` (the others keep their
// values). Throws options::ConfigFileError as reading the file at start does.
[[nodiscard]] ServeSettings reloaded(const ServeSettings& running,
                                     const std::filesystem::path& file);

// glibc keeps in every thread a cache of up to seven freed chunks of each small size (the
// tcache). The connection threads' caches fill slowly, as each meets more shapes of request,
// so with the default size a service under steady load keeps growing after every other cache
// of it is full. One chunk per size keeps the fast path (a chunk freed is the next of its size
// given out) and holds RSS at the level of the first minutes of load. The size is a glibc tunable,
// read only when a program starts, so this starts `query serve` again (same process, same
// arguments) with glibc.malloc.tcache_count=1 added to GLIBC_TUNABLES, unless that tunable is set
// already (yours wins). Returns when there was nothing to do or the restart failed (glibc's default
// then). Call it first thing, before any thread exists.
void bound_thread_caches(char** argv);

// args: the arguments after "serve".
[[nodiscard]] int run_serve_cli(const std::vector<std::string>& args, std::ostream& out,
                                std::ostream& err);

}  // namespace postsearch::http
