#include "query/http/serve_cli.h"

#include <malloc.h>
#include <pthread.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#include "common/index_layout.h"
#include "common/option_table.h"
#include "common/text.h"
#include "query/http/memory_trim.h"
#include "query/http/server.h"

namespace postsearch::http {
namespace {

// glibc gives each thread that allocates an arena of its own, up to eight per core; with
// hundreds of connection threads the heap fragments and the service grows for as long as it
// runs (bench/README.md: +29 MiB in 30 minutes). As many arenas as searches run at once keeps
// it flat. MALLOC_ARENA_MAX in the environment, if set, wins.
void bound_malloc_arenas(const ServerOptions& o) {
#ifdef __GLIBC__
  if (std::getenv("MALLOC_ARENA_MAX") != nullptr) return;
  mallopt(M_ARENA_MAX, static_cast<int>(searchers_or_default(o)));
#else
  (void)o;
#endif
}

}  // namespace

void bound_thread_caches(char** argv) {
#ifdef __GLIBC__
  const char* set = std::getenv("GLIBC_TUNABLES");
  const bool had = set != nullptr;
  const std::string before = had ? set : "";
  if (before.find("glibc.malloc.tcache_count") != std::string::npos) return;
  const std::string tunables = before + (before.empty() ? "" : ":") + "glibc.malloc.tcache_count=1";
  if (setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Not restarted (no /proc?): go on with glibc's default, and the environment as it was.
  if (had) {
    setenv("GLIBC_TUNABLES", before.c_str(), 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

namespace {

using options::Flag;
using options::member;
using options::OptionTable;

template <typename T>
auto server(T ServerOptions::*field) {
  return member(&ServeSettings::server, field);
}

// Splits "HOST:PORT" ("[::1]:8080" for IPv6). Returns false when malformed.
bool parse_listen(const std::string& listen, ServerOptions& o) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 >= listen.size()) return false;
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  try {
    std::size_t used = 0;
    const int port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1 || port < 0 || port > 65535) return false;
    o.port = port;
  } catch (const std::exception&) {
    return false;
  }
  o.host = host.empty() ? "127.0.0.1" : host;
  return true;
}

std::string listen_problem(const std::string& listen) {
  ServerOptions scratch;
  return parse_listen(listen, scratch) ? "" : "expected HOST:PORT, got '" + listen + "'";
}

template <int kLeast>
std::string at_least(const int& n) {
  return n < kLeast ? "expected at least " + std::to_string(kLeast) : "";
}

// Where the service listens, what it serves, and with how many threads.
void add_service_options(OptionTable<ServeSettings>& t) {
  t.value({.flag = "--listen", .key = "listen", .help = "HOST:PORT to listen on; port 0 picks one"},
          member(&ServeSettings::listen), listen_problem);
  t.value({.flag = "--config", .help = "YAML file with the same settings (re-read on SIGHUP)"},
          member(&ServeSettings::config));
  t.value({.flag = "--web-dir",
           .key = "web_dir",
           .help = "Serve the search page and assets from this folder (while editing web/)"},
          server(&ServerOptions::web_dir));
  t.value({.flag = "--cors-origin",
           .key = "cors_origins",
           .help = "Origin allowed to call the API, e.g. https://blog.example (repeatable)",
           .reloadable = true},
          server(&ServerOptions::cors_origins));
  t.value({.flag = "--threads",
           .key = "threads",
           .help = "Connection threads: connections served at once"},
          server(&ServerOptions::threads));
  t.value({.flag = "--searchers",
           .key = "searchers",
           .help = "Searches run at once, more wait their turn; 0: four per core"},
          server(&ServerOptions::searchers));
  t.value({.flag = "--post-cache-mb",
           .key = "post_cache_mb",
           .help = "MiB of decoded posts kept for the searches that show them again; 0 keeps none"},
          server(&ServerOptions::post_cache_mb));
  t.flag({.flag = "--no-warm",
          .key = "warm",
          .help = "Do not fill each index revision's caches (common terms' postings, posts) when "
                  "it opens; searches fill them as they go"},
         server(&ServerOptions::warm), Flag::kClears);
}

// The limits on what one client may make the service hold or do (docs/configuration.md and
// SECURITY.md say why each is there).
void add_limit_options(OptionTable<ServeSettings>& t) {
  t.value({.flag = "--rate-limit",
           .key = "rate_limit",
           .help = "Requests per second per client; 0 turns off both per-client budgets "
                   "(requests and CPU)",
           .reloadable = true},
          server(&ServerOptions::rate_limit));
  t.value({.flag = "--rate-burst",
           .key = "rate_burst",
           .help = "Requests a client may send at once",
           .reloadable = true},
          server(&ServerOptions::rate_burst));
  t.value({.flag = "--cpu-limit",
           .key = "cpu_limit",
           .help = "CPU seconds of searching per second per client; over its budget a client "
                   "gets 429",
           .reloadable = true},
          server(&ServerOptions::cpu_limit));
  t.value({.flag = "--cpu-burst",
           .key = "cpu_burst",
           .help = "CPU seconds of searching a client may spend at once",
           .reloadable = true},
          server(&ServerOptions::cpu_burst));
  t.value({.flag = "--max-connections-per-client",
           .key = "max_connections_per_client",
           .help = "Open connections from one address (more get 429); 0: any. Not applied with "
                   "--trust-proxy"},
          server(&ServerOptions::max_connections_per_client));
  t.value({.flag = "--request-timeout-ms",
           .key = "request_timeout_ms",
           .help = "Milliseconds for a whole request (head and body) to arrive, else 408"},
          server(&ServerOptions::request_timeout_ms));
  t.value({.flag = "--timeout",
           .key = "timeout",
           .help = "Seconds of silence while reading or writing a request"},
          server(&ServerOptions::timeout_seconds));
  t.value({.flag = "--keep-alive-ms",
           .key = "keep_alive_ms",
           .help = "Milliseconds an idle keep-alive connection is kept open"},
          server(&ServerOptions::keep_alive_ms));
  t.value({.flag = "--max-head-bytes",
           .key = "max_head_bytes",
           .help = "Bytes of request line and headers, else 431"},
          server(&ServerOptions::max_head_bytes));
  t.value({.flag = "--max-body-bytes",
           .key = "max_body_bytes",
           .help = "Bytes of request body, else 413 (compressed: 415)"},
          server(&ServerOptions::max_body_bytes));
  t.value({.flag = "--max-ranges",
           .key = "max_ranges",
           .help = "Byte ranges in one request, not overlapping, else 416"},
          server(&ServerOptions::max_ranges));
}

// Search analytics (docs/analytics.md).
void add_analytics_options(OptionTable<ServeSettings>& t) {
  t.flag({.flag = "--no-analytics",
          .key = "analytics",
          .help = "Do not count searches and opened results (docs/analytics.md)"},
         server(&ServerOptions::analytics), Flag::kClears);
  t.value({.flag = "--state-dir",
           .key = "state_dir",
           .help = "Folder for the service's own files, analytics.sqlite (default: the index "
                   "directory; with --shard, none: give one for analytics)"},
          server(&ServerOptions::state_dir));
  t.value({.flag = "--analytics-retention-days",
           .key = "analytics_retention_days",
           .help = "Days of search analytics kept (docs/analytics.md)"},
          server(&ServerOptions::analytics_retention_days), at_least<1>);
  t.value({.flag = "--analytics-flush-ms",
           .key = "analytics_flush_ms",
           .help = "Milliseconds between writes of search analytics to their store"},
          server(&ServerOptions::analytics_flush_ms), at_least<1>);
  t.value({.flag = "--analytics-max-queries",
           .key = "analytics_max_queries",
           .help = "Distinct queries counted per day; more are not kept"},
          server(&ServerOptions::analytics_max_queries));
  t.value({.flag = "--analytics-min-count",
           .key = "analytics_min_count",
           .help = "/api/stats shows a query once seen on this many days or in this many searches"},
          server(&ServerOptions::analytics_min_count), at_least<2>);
  t.value({.key = "stats_token",
           .help = "/api/stats answers a request with Authorization: Bearer TOKEN from anywhere",
           .reloadable = true},
          server(&ServerOptions::stats_token));
}

// What readers see: names, links, headers, the log.
void add_presentation_options(OptionTable<ServeSettings>& t) {
  t.flag({.flag = "--trust-proxy",
          .key = "trust_proxy",
          .help = "Behind a reverse proxy: client address from X-Forwarded-For",
          .reloadable = true},
         server(&ServerOptions::trust_proxy));
  t.value({.flag = "--site-title",
           .key = "site_title",
           .help = "Site name for the search page, OpenSearch and feeds",
           .reloadable = true},
          server(&ServerOptions::site_title));
  t.value({.flag = "--public-url",
           .key = "public_url",
           .help = "URL of the service as readers reach it, for OpenSearch and feed self links "
                   "(default: the --listen address; never the request's Host header)",
           .reloadable = true},
          server(&ServerOptions::public_url));
  t.value({.key = "cache_max_age",
           .help = "Cache-Control max-age of API answers, seconds",
           .reloadable = true},
          server(&ServerOptions::cache_max_age));
  t.flag({.flag = "-q,--quiet", .key = "access_log", .help = "No access log", .reloadable = true},
         server(&ServerOptions::access_log), Flag::kClears);
}

OptionTable<ServeSettings> make_table() {
  OptionTable<ServeSettings> t({.paths_relative_to_file = true});
  add_source_options(t, member(&ServeSettings::source));
  add_service_options(t);
  add_limit_options(t);
  add_analytics_options(t);
  add_presentation_options(t);
  return t;
}

}  // namespace

const options::OptionTable<ServeSettings>& serve_option_table() {
  static const OptionTable<ServeSettings> table = make_table();
  return table;
}

ServeSettings reloaded(const ServeSettings& running, const std::filesystem::path& file) {
  ServeSettings fresh = running;
  serve_option_table().read_config(file, fresh);
  ServeSettings next = running;
  serve_option_table().copy_reloadable(fresh, next);
  return next;
}

namespace {

// Defaults, then the config file, then the flags given (which win). Returns the exit status
// when there is nothing to serve (--help, a usage error).
std::optional<int> parse(const std::vector<std::string>& args, ServeSettings& s, std::ostream& out,
                         std::ostream& err) {
  CLI::App app{"Serves search over HTTP: the JSON API, the search page and its assets.",
               "query serve"};
  serve_option_table().add_to(app, s);
  options::add_version_flag(app, "query serve");
  app.footer("\n" + serve_option_table().file_only_help(s) + "\n" + endpoint_help());
  const std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(std::vector<std::string>(reversed));
    if (!s.config.empty()) {
      serve_option_table().read_config(s.config, s);
      app.parse(std::vector<std::string>(reversed));
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? 0 : 2;
  } catch (const options::ConfigFileError& e) {
    err << "query serve: " << e.what() << "\n";
    return 2;
  }
  if (const auto problem = source_problem(s.source)) {
    err << "query serve: " << *problem << "\n";
    return 2;
  }
  return std::nullopt;
}

// The server's options from the settings: the index (a ShardList's stub in `listed` for
// shards), the address. Throws std::runtime_error naming a shard that is neither kind.
void resolve(ServeSettings& s, std::optional<ShardList>& listed, std::ostream& err) {
  s.server.index_dir = index_dir(s.source, listed);
  s.server.open = open_options(s.source);
  (void)parse_listen(s.listen, s.server);  // checked as it was read
  if ((listed || !s.source.sites.empty()) && s.server.state_dir.empty() && s.server.analytics) {
    err << "query serve: search analytics off: shards and sites have no index directory to keep "
           "them in; give --state-dir\n";
    s.server.analytics = false;
  }
}

// Waits for SIGTERM or SIGINT (stops the server) and SIGHUP (re-reads the config file and
// applies its reloadable settings); returns when the server has stopped and `finished` is set.
// The running service a signal acts on, and where it reports.
struct Running {
  Server& server;
  const std::atomic<bool>& finished;
  std::ostream& err;
};

void handle_signals(const sigset_t& signals, ServeSettings running, const Running& service) {
  Server& server = service.server;
  const std::atomic<bool>& finished = service.finished;
  std::ostream& err = service.err;
  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP && !running.config.empty()) {
      try {
        running = reloaded(running, running.config);
        server.update(running.server);
        err << "query serve: reloaded " << running.config << std::endl;
      } catch (const std::exception& e) {
        err << "query serve: reload failed, keeping the old settings: " << e.what() << std::endl;
      }
      continue;
    }
    if (sig == SIGHUP) continue;
    if (finished) return;
    err << "query serve: shutting down" << std::endl;
    // stop() before run() has started listening does nothing: repeat until it ends.
    while (!finished) {
      server.stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return;
  }
}

int serve(const ServeSettings& s, const std::string& serving, std::ostream& out,
          std::ostream& err) {
  // Signals go to one thread that waits for them; the workers never see them.
  sigset_t signals;
  sigemptyset(&signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    Server server(s.server, err);
    const int port = server.bind();
    const std::string& host = s.server.host;
    out << "postsearch: serving " << serving << " on http://"
        << (host.find(':') != std::string::npos ? "[" + host + "]" : host) << ":" << port << "/"
        << std::endl;
    // The allocator's free pages go back every 10 s (memory_trim.h).
    const PeriodicTask trim(std::chrono::seconds(10), trim_free_memory);
    std::atomic<bool> finished{false};
    std::thread waiter([&] { handle_signals(signals, s, Running{server, finished, err}); });
    server.run();
    finished = true;
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
  } catch (const std::exception& e) {
    err << "query serve: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

int run_serve_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  ServeSettings s;
  if (const auto done = parse(args, s, out, err)) return *done;
  std::optional<ShardList> listed;
  try {
    resolve(s, listed, err);
  } catch (const std::runtime_error& e) {
    err << "query serve: " << e.what() << "\n";
    return 2;
  }
  bound_malloc_arenas(s.server);
  std::string serving = listed ? text::join(s.source.shards, " + ") : s.source.index.string();
  for (const SiteIndex& site : s.source.sites)
    serving += (serving.empty() ? "" : " + ") + site.name + " (" + site.index.string() + ")";
  return serve(s, serving, out, err);
}

}  // namespace postsearch::http
