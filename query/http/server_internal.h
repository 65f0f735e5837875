// The HTTP service's inside, shared by the files that make it (private to server*.cc):
// server.cc (start, stop, reload, the library's configuration), server_screening.cc (what is
// refused before routing: rate and CPU budgets, methods, ranges; CORS, the access log),
// server_routes.cc (the route table and the API's handlers), server_assets.cc (the search
// page and its assets) and server_analytics.cc (counting searches, /api/beacon, /api/stats).
#pragma once

#include <httplib.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "query/analytics/recorder.h"
#include "query/http/connection.h"
#include "query/http/low_priority_lane.h"
#include "query/http/metrics.h"
#include "query/http/params.h"
#include "query/http/rate_limiter.h"
#include "query/http/searcher_pool.h"
#include "query/http/server.h"
#include "query/json_io.h"

namespace postsearch::http {

// Exactly "application/json" (UTF-8 by definition): cpp-httplib compresses only exact types.
inline constexpr const char* kJson = "application/json";
inline constexpr int kListenBacklog = 1024;
// Set on a request whose byte ranges were refused (their list is emptied so that nothing is
// cut from the answer), for the pre-routing handler to answer 416. Removed from every
// request before it could be set, so a client cannot send it.
inline constexpr const char* kRangesRefused = "Postsearch-Ranges-Refused";
// A --web-dir file larger than this is not served (the built-in assets are ~60 KB).
inline constexpr std::uint64_t kMaxWebFileBytes = 4ULL * 1024 * 1024;
inline constexpr std::size_t kMaxRefusedOrigins = 64;
// A beacon is three short values; anything longer is not one.
inline constexpr std::size_t kMaxBeaconBytes = 1024;
// Paths longer than this are answered 414 before any route's regular expression sees them:
// libstdc++'s regex recurses once per character (an 8 KB path touched 4.5 MB of a thread's
// stack). The longest real path, /api/related/ID, is far shorter (an id is at most a Xapian
// term, 245 bytes).
inline constexpr std::size_t kMaxPathBytes = 512;
// A client whose searches use more than this share of its CPU budget (--cpu-limit), on
// average after a burst of kLaneBurstShare of --cpu-burst, has its requests run in the
// low-priority lane (low_priority_lane.h). A reader (a few searches a second of a few
// milliseconds each: about a hundredth of a core) stays far below; a client running costly
// searches one after another is there within seconds, long before its budget runs out.
inline constexpr double kLaneRateShare = 0.2;
inline constexpr double kLaneBurstShare = 0.1;

// The route table: the one place that lists what the service answers.
struct Route {
  const char* name;
  const char* method;
  const char* pattern;
  const char* shown;    // the path as documentation writes it
  const char* summary;  // for `query serve --help` and the man page
};
inline constexpr Route kRoutes[] = {
    {"search", "GET", "/api/search", "/api/search?q=&tag=&...",
     "ranked, faceted results, as query --json prints them"},
    {"search", "POST", "/api/search", "/api/search", "the same, parameters in a JSON body"},
    {"suggest", "GET", "/api/suggest", "/api/suggest?q=PREFIX", "completions while typing"},
    {"related", "GET", "/api/related/(.+)", "/api/related/ID", "posts related to a post"},
    {"post", "GET", "/api/posts/(.+)", "/api/posts/ID", "one post's stored fields and sections"},
    {"beacon", "POST", "/api/beacon", "/api/beacon",
     "a result opened (q, rank, id, form-encoded): counted by rank, nothing of the reader"},
    {"stats", "GET", "/api/stats", "/api/stats?days=30",
     "search analytics report (loopback or stats_token only)"},
    {"healthz", "GET", "/healthz", "/healthz", "alive"},
    {"readyz", "GET", "/readyz", "/readyz", "index open: schema, posts, revision (503 if not)"},
    {"metrics", "GET", "/metrics", "/metrics", "Prometheus metrics"},
    {"opensearch", "GET", "/opensearch.xml", "/opensearch.xml", "OpenSearch description"},
    {"feed", "GET", "/search.atom", "/search.atom?q=&tag=&...", "a search as an Atom feed"},
    {"page", "GET", "/", "/", "the search page"},
    {"page", "GET", "/search", "/search?q=", "the search page, results rendered without script"},
    {"asset", "GET", "/assets/([A-Za-z0-9_-][A-Za-z0-9._-]*)", "/assets/FILE",
     "postsearch.js, postsearch.css for the search box"},
};

// Answers {"error": {"code", "message", "param"}} with `status`.
void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& param = "");

class IndexUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Server::Impl {
 public:
  Impl(ServerOptions options, std::ostream& log);

  int bind();
  void run();
  void stop();
  void update(const ServerOptions& o);

 private:
  // The settings a reload may change (the options serve_cli.cc's table marks reloadable) as
  // one snapshot: a request reads the snapshot current when it asks, whatever a reload does
  // meanwhile. Every other field of `options` keeps its value from the start (options_).
  struct Settings {
    ServerOptions options;
    std::shared_ptr<RateLimiter> limiter;  // requests per client
    std::shared_ptr<RateLimiter> cpu;      // CPU seconds of searches per client
    std::shared_ptr<RateLimiter> fast;     // the same, against the lane's threshold
  };
  [[nodiscard]] std::shared_ptr<const Settings> settings() const;
  [[nodiscard]] static std::shared_ptr<const Settings> make_settings(const ServerOptions& o);
  void configure();
  void refused(const Refusal& r);
  std::optional<Turnaway> screen(const std::string& client);
  void screen_ranges(httplib::Request& req) const;
  struct Rejection {
    int status;
    std::string message;
  };
  std::optional<Rejection> rejection(const httplib::Request& req) const;
  std::string allowed_methods(const std::string& path) const;
  void add_routes();
  template <typename F>
  httplib::Server::Handler guarded(F f);
  // Whether the request's client spends CPU fast enough to be served in the low-priority
  // lane (kLaneRateShare).
  bool spends_fast(const httplib::Request& req);
  httplib::Server::HandlerResponse before(const httplib::Request& req, httplib::Response& res);
  void after(const httplib::Request& req, httplib::Response& res);
  void log_request(const httplib::Request& req, const httplib::Response& res);
  std::string client_of(const httplib::Request& req, const Settings& s) const;
  std::string allowed_origin(const httplib::Request& req, const Settings& s) const;
  std::string base_url(const Settings& s) const;
  void note_refused_origin(const httplib::Request& req, const Settings& s);
  bool not_modified(const httplib::Request& req, httplib::Response& res,
                    SearcherPool::Lease& searcher);

  // A searcher for the request's client (its share: searcher_pool.h); readyz and metrics,
  // which are not a client's searches, pass none.
  SearcherPool::Lease acquire(const httplib::Request* req = nullptr);
  void search(const httplib::Request& req, httplib::Response& res, const SearchParse& parsed);
  void suggest(const httplib::Request& req, httplib::Response& res);
  void related(const httplib::Request& req, httplib::Response& res);
  void post(const httplib::Request& req, httplib::Response& res);
  void readyz(httplib::Response& res);
  static void not_ready(httplib::Response& res, const std::string& why);
  void metrics(httplib::Response& res);
  void feed(const httplib::Request& req, httplib::Response& res);
  void page(const httplib::Request& req, httplib::Response& res);
  void asset(const httplib::Request& req, httplib::Response& res);
  std::optional<std::string> web_file(const std::string& name, std::string* content_type);
  std::string route_of(const std::string& path) const;
  bool path_known_with_other_method(const std::string& path, const std::string& method) const;

  PoolOptions pool_options();
  std::unique_ptr<analytics::Recorder> open_recorder();
  // Counts a reader's search, unless the request asks not to be tracked.
  void count(const httplib::Request& req, const SearchRequest& request,
             const SearchResponse& answer);
  void beacon(const httplib::Request& req, httplib::Response& res);
  void stats(const httplib::Request& req, httplib::Response& res);
  bool stats_allowed(const httplib::Request& req);
  void record_warm(const WarmEvent& event);  // counts it, and logs it

  const ServerOptions options_;  // as the service started; reloads change settings_ only
  std::ostream& log_;
  std::mutex log_mutex_;
  std::atomic<std::size_t> warms_{0};  // before pool_: its warmer reports here
  std::atomic<double> last_warm_seconds_{0};
  // Before pool_: its warmer reads them (record_warm()).
  mutable std::mutex settings_mutex_;
  std::shared_ptr<const Settings> settings_;  // under settings_mutex_
  SearcherPool pool_;
  // Clients that spend their CPU budget fastest: half the searchers at most, at low priority.
  LowPriorityLane lane_{LaneOptions{std::max(1U, searchers_or_default(options_) / 2)}};
  Metrics metrics_;
  int listen_fd_ = -1;                             // the listening socket, once bound
  std::unique_ptr<analytics::Recorder> recorder_;  // null: analytics off
  // The bodies of the 429s answered when a connection is accepted (screen()).
  const std::string over_rate_body_ = dump_json(
      error_json("rate_limited", "too many requests; retry after the seconds in Retry-After", ""));
  const std::string over_cpu_body_ = dump_json(error_json(
      "rate_limited",
      "this client's searches used their CPU budget; retry after the seconds in Retry-After", ""));
  std::atomic<int> bound_port_{0};
  // Origins refused and logged once each (at most kMaxRefusedOrigins), under log_mutex_.
  std::set<std::string> refused_origins_;
  std::vector<std::pair<Route, std::regex>> routes_;
  GuardedServer server_;  // built with the connection limits of options_
};

}  // namespace postsearch::http
