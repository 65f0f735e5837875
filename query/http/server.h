// The HTTP service behind the search box: a route table over the search core. Handlers
// parse parameters, call a leased Searcher, and serialise with json_io.h; the search core
// never sees HTTP. Errors answer {"error": {"code", "message", "param"}}.
//
// Threads: a bounded pool of worker threads (cpp-httplib); each request leases its own
// Searcher. bind() and run() are called from one thread; stop() and update() from any.
// Search analytics are counted in memory after each search returns and written to their
// store by a thread the server owns (analytics/recorder.h); a request carrying DNT: 1 or
// Sec-GPC: 1 is not counted.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "common/index_layout.h"
#include "query/post_cache.h"

namespace postsearch::http {

struct ServerOptions {
  std::filesystem::path index_dir;
  std::string host = "127.0.0.1";
  int port = 8080;                // 0: any free port (see Server::bind)
  std::filesystem::path web_dir;  // serve web/ from this folder instead of the built-in copy
  std::vector<std::string> cors_origins;  // origins allowed to call the API; "*" allows any
  unsigned threads = 256;                 // worker threads: connections served at once
  unsigned searchers = 0;                 // searches run at once; 0: four per core
  unsigned post_cache_mb = PostCache::kDefaultBytes >> 20;  // decoded posts kept; 0: none
  bool warm = true;  // fill each index revision's caches when it opens, off the request path
  // Limits on what one client may make the service hold or do; `query serve` declares a flag
  // and a config key for each in its option table (serve_cli.cc); docs/configuration.md and
  // SECURITY.md say why.
  std::size_t max_body_bytes = 64 * 1024;    // request body, before and after decoding: 413
  std::size_t max_head_bytes = 32 * 1024;    // request line and headers: 431
  unsigned max_ranges = 1;                   // byte ranges in one request, without overlap: 416
  int timeout_seconds = 5;                   // read (between bytes) and write timeout
  int request_timeout_ms = 10000;            // a whole request, head and body, must arrive: 408
  int keep_alive_ms = 2000;                  // idle keep-alive connections are closed after this
  unsigned max_connections_per_client = 16;  // open connections per address; 0: any (429)
  double rate_limit = 20;    // requests per second per client; 0 turns the budgets off (429)
  double rate_burst = 60;    // requests a client may send at once
  double cpu_limit = 0.5;    // CPU seconds of searches per second per client (429)
  double cpu_burst = 10;     // CPU seconds a client may spend at once
  bool trust_proxy = false;  // take the client address from X-Forwarded-For
  std::string site_title = "postsearch";
  std::string public_url;  // the service's URL in OpenSearch and feeds; default: the listen address
  bool access_log = true;  // one line per request on the log stream
  int cache_max_age = 10;  // Cache-Control max-age of API answers, seconds
  OpenOptions open;        // remote shards: leave out unreachable ones, timeout
  // Search analytics (docs/analytics.md): per-day counts of normalised queries and opened
  // ranks in state_dir/analytics.sqlite; nothing that identifies a reader.
  bool analytics = true;
  std::filesystem::path state_dir;            // empty: the index directory
  int analytics_retention_days = 90;          // days of counts kept
  int analytics_flush_ms = 10000;             // counts are written this often (and at exit)
  std::size_t analytics_max_queries = 10000;  // distinct queries kept per day
  int analytics_min_count = 3;  // /api/stats shows a query seen on this many days or searches
  // /api/stats answers a request with "Authorization: Bearer TOKEN" from anywhere; without
  // one, only a loopback peer that is not a proxy (no --trust-proxy, no X-Forwarded-For).
  std::string stats_token;
};

// Searches run at once: options.searchers, or four per core when it is 0.
[[nodiscard]] unsigned searchers_or_default(const ServerOptions& options);

// The route table as text: one line per endpoint, for --help and the man page.
[[nodiscard]] std::string endpoint_help();

class Server {
 public:
  // `log` receives the access log and errors; it must outlive the server.
  Server(ServerOptions options, std::ostream& log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listening socket; returns the port. Throws std::runtime_error on failure.
  int bind();
  // Serves until stop(); requests in flight finish first.
  void run();
  void stop();
  // Applies the settings that can change while running: those `query serve`'s option table
  // marks reloadable (serve_cli.cc), which the server reads per request from one snapshot;
  // requests in flight finish with the snapshot they took. The request and CPU budgets
  // start afresh. Every other field must equal its value at construction (reloaded()
  // keeps them so); the server goes on with those.
  void update(const ServerOptions& options);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace postsearch::http
