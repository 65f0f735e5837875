#include "query/http/server.h"

#include <httplib.h>
#include <xapian.h>
#include <xxhash.h>

#include <sys/socket.h>
#include <time.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iomanip>
#include <mutex>
#include <optional>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "common/contained_file.h"
#include "common/text.h"
#include "query/analytics/recorder.h"
#include "query/analytics/report.h"
#include "query/http/connection.h"
#include "query/http/low_priority_lane.h"
#include "query/http/metrics.h"
#include "query/http/pages.h"
#include "query/http/params.h"
#include "query/http/rate_limiter.h"
#include "query/http/searcher_pool.h"
#include "query/http/web_assets.h"
#include "query/http/worker_pool.h"
#include "query/json_io.h"

namespace postsearch::http {
namespace {

using nlohmann::json;

// Exactly "application/json" (UTF-8 by definition): cpp-httplib compresses only exact types.
constexpr const char* kJson = "application/json";
constexpr int kListenBacklog = 1024;
// Set on a request whose byte ranges were refused (their list is emptied so that nothing is
// cut from the answer), for the pre-routing handler to answer 416. Removed from every
// request before it could be set, so a client cannot send it.
constexpr const char* kRangesRefused = "Postsearch-Ranges-Refused";
// A --web-dir file larger than this is not served (the built-in assets are ~60 KB).
constexpr std::uint64_t kMaxWebFileBytes = 4ULL * 1024 * 1024;
constexpr std::size_t kMaxRefusedOrigins = 64;
// A beacon is three short values; anything longer is not one.
constexpr std::size_t kMaxBeaconBytes = 1024;
// Paths longer than this are answered 414 before any route's regular expression sees them:
// libstdc++'s regex recurses once per character (an 8 KB path touched 4.5 MB of a thread's
// stack). The longest real path, /api/related/ID, is far shorter (an id is at most a Xapian
// term, 245 bytes).
constexpr std::size_t kMaxPathBytes = 512;
// A client whose searches use more than this share of its CPU budget (--cpu-limit), on
// average after a burst of kLaneBurstShare of --cpu-burst, has its requests run in the
// low-priority lane (low_priority_lane.h). A reader (a few searches a second of a few
// milliseconds each: about a hundredth of a core) stays far below; a client running costly
// searches one after another is there within seconds, long before its budget runs out.
constexpr double kLaneRateShare = 0.2;
constexpr double kLaneBurstShare = 0.1;

// The route table: the one place that lists what the service answers.
struct Route {
  const char* name;
  const char* method;
  const char* pattern;
  const char* shown;    // the path as documentation writes it
  const char* summary;  // for `query serve --help` and the man page
};
constexpr Route kRoutes[] = {
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

}  // namespace

unsigned searchers_or_default(const ServerOptions& options) {
  return options.searchers != 0 ? options.searchers
                                : 2 * std::max(1U, std::thread::hardware_concurrency());
}

std::string endpoint_help() {
  std::string out = "Endpoints:\n";
  for (const auto& r : kRoutes) {
    std::string line = std::string("  ") + r.method + " " + r.shown;
    line.resize(std::max<std::size_t>(line.size() + 1, 34), ' ');
    out += line + r.summary + "\n";
  }
  out +=
      "Errors answer {\"error\": {\"code\", \"message\", \"param\"}} with 400, 404, 405, 408,\n"
      "411, 413, 414, 415, 416, 429, 431 or 503.\n";
  return out;
}

namespace {

const char* code_for(int status) {
  switch (status) {
    case 400:
      return "bad_parameter";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 411:
      return "length_required";
    case 413:
      return "payload_too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_encoding";
    case 416:
      return "range_not_satisfiable";
    case 429:
      return "rate_limited";
    case 503:
      return "index_unavailable";
    default:
      return status >= 500 ? "internal" : "error";
  }
}

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& param = "") {
  res.status = status;
  res.set_content(dump_json(error_json(code_for(status), message, param)), kJson);
}

// The request's `lang` values, checked as a search's are; nullopt once 400 is answered.
std::optional<std::vector<std::string>> requested_langs(const httplib::Request& req,
                                                        httplib::Response& res) {
  const SearchParse parsed =
      language_request_from_params(Params(req.params.begin(), req.params.end()));
  if (const auto* e = std::get_if<ParamError>(&parsed)) {
    send_error(res, 400, e->param + ": " + e->message, e->param);
    return std::nullopt;
  }
  return std::get<SearchRequest>(parsed).langs();
}

class IndexUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// At most `max` ranges; several only when each is a closed interval, in order, without
// overlap (overlapping or repeated ranges would multiply the answer).
bool ranges_acceptable(const httplib::Ranges& ranges, unsigned max) {
  if (ranges.size() > max) return false;
  if (ranges.size() < 2) return true;
  ssize_t end = -1;
  for (const auto& [first, last] : ranges) {
    if (first < 0 || last < first || first <= end) return false;
    end = last;
  }
  return true;
}

ConnectionLimits connection_limits(const ServerOptions& o) {
  ConnectionLimits c;
  c.max_head_bytes = o.max_head_bytes;
  c.max_body_bytes = o.max_body_bytes;
  // "Range: bytes=" and, per range, two 20-digit offsets with their separators.
  c.max_range_bytes = 64 + 48 * std::size_t{std::max(1U, o.max_ranges)};
  c.request_timeout_ms = o.request_timeout_ms;
  c.read_timeout_ms = o.timeout_seconds * 1000;
  c.write_timeout_ms = o.timeout_seconds * 1000;
  c.keep_alive_ms = o.keep_alive_ms;
  // Behind a proxy every connection comes from the proxy; it limits them per client.
  c.per_client = o.trust_proxy ? 0 : o.max_connections_per_client;
  return c;
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, std::ostream& log)
      : options_(std::move(options)),
        log_(log),
        pool_(options_.index_dir, pool_options()),
        limiter_(std::make_shared<RateLimiter>(options_.rate_limit, options_.rate_burst)),
        cpu_(cpu_limiter(options_)),
        fast_(fast_spender(options_)),
        recorder_(open_recorder()) {
    for (const auto& r : kRoutes) routes_.emplace_back(r, std::regex(r.pattern));
    configure();
    add_routes();
  }

  int bind() {
    int port = options_.port;
    if (port == 0) {
      port = server_.bind_to_any_port(options_.host);
      if (port < 0) throw std::runtime_error("cannot listen on " + options_.host);
    } else if (!server_.bind_to_port(options_.host, options_.port)) {
      throw std::runtime_error("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) +
                               " (in use, or not an address of this machine)");
    }
    // The library listens with a backlog of 5: a burst of new connections would wait for
    // SYN retransmits (1 s, 3 s, ...). Linux lets listen() be called again to enlarge it.
    if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
    bound_port_ = port;
    return port;
  }
  void run() {
    if (!server_.run()) throw std::runtime_error("cannot accept connections any more");
  }
  void stop() { server_.stop(); }
  void update(const ServerOptions& o) {
    const std::lock_guard<std::mutex> lock(settings_mutex_);
    options_.cors_origins = o.cors_origins;
    options_.access_log = o.access_log;
    options_.site_title = o.site_title;
    options_.public_url = o.public_url;
    options_.cache_max_age = o.cache_max_age;
    options_.trust_proxy = o.trust_proxy;
    options_.stats_token = o.stats_token;
    limiter_ = std::make_shared<RateLimiter>(o.rate_limit, o.rate_burst);
    cpu_ = cpu_limiter(o);
    fast_ = fast_spender(o);
  }

 private:
  struct Settings {
    std::vector<std::string> cors_origins;
    bool access_log;
    std::string site_title;
    std::string public_url;
    int cache_max_age;
    bool trust_proxy;
    std::shared_ptr<RateLimiter> limiter;
    std::shared_ptr<RateLimiter> cpu;
    std::shared_ptr<RateLimiter> fast;
  };
  Settings settings() {
    const std::lock_guard<std::mutex> lock(settings_mutex_);
    return {options_.cors_origins,
            options_.access_log,
            options_.site_title,
            options_.public_url,
            options_.cache_max_age,
            options_.trust_proxy,
            limiter_,
            cpu_,
            fast_};
  }

  static std::shared_ptr<RateLimiter> cpu_limiter(const ServerOptions& o) {
    return std::make_shared<RateLimiter>(o.rate_limit > 0 ? o.cpu_limit : 0.0, o.cpu_burst);
  }
  // The CPU a client may use before its requests go to the low-priority lane.
  static std::shared_ptr<RateLimiter> fast_spender(const ServerOptions& o) {
    return std::make_shared<RateLimiter>(o.rate_limit > 0 ? o.cpu_limit * kLaneRateShare : 0.0,
                                         o.cpu_burst * kLaneBurstShare);
  }
  void configure();
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

  ServerOptions options_;
  std::ostream& log_;
  std::mutex log_mutex_;
  std::atomic<std::size_t> warms_{0};  // before pool_: its warmer reports here
  std::atomic<double> last_warm_seconds_{0};
  SearcherPool pool_;
  // Clients that spend their CPU budget fastest: half the searchers at most, at low priority.
  LowPriorityLane lane_{LaneOptions{std::max(1U, searchers_or_default(options_) / 2)}};
  Metrics metrics_;
  std::mutex settings_mutex_;
  int listen_fd_ = -1;  // the listening socket, once bound
  std::shared_ptr<RateLimiter> limiter_;
  std::shared_ptr<RateLimiter> cpu_;               // CPU seconds of searches per client
  std::shared_ptr<RateLimiter> fast_;              // the same, against the lane's threshold
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
  GuardedServer server_{connection_limits(options_)};
};

std::string Server::Impl::route_of(const std::string& path) const {
  if (path.size() > kMaxPathBytes) return "other";
  for (const auto& [route, re] : routes_) {
    if (std::regex_match(path, re)) return route.name;
  }
  return "other";
}

bool Server::Impl::path_known_with_other_method(const std::string& path,
                                                const std::string& method) const {
  const std::string allowed = allowed_methods(path);
  return !allowed.empty() && allowed.find(method) == std::string::npos;
}

std::string Server::Impl::allowed_methods(const std::string& path) const {
  std::string allowed;
  if (path.size() > kMaxPathBytes) return allowed;
  for (const auto& [route, re] : routes_) {
    if (!std::regex_match(path, re) || allowed.find(route.method) != std::string::npos) continue;
    allowed += std::string(allowed.empty() ? "" : ", ") + route.method;
    if (std::string(route.method) == "GET") allowed += ", HEAD";
  }
  return allowed;
}

void Server::Impl::screen_ranges(httplib::Request& req) const {
  req.headers.erase(kRangesRefused);
  if (!ranges_acceptable(req.ranges, options_.max_ranges)) {
    req.ranges.clear();
    req.set_header(kRangesRefused, "1");
  }
}

// A new connection from an address that is over its request rate or CPU budget is answered
// 429 as it is accepted, before anything is read: what before() would answer its first
// request, without a worker thread. Behind a trusted proxy every connection comes from the
// proxy, so only requests are limited (by X-Forwarded-For).
std::optional<Turnaway> Server::Impl::screen(const std::string& client) {
  std::shared_ptr<RateLimiter> rate;
  std::shared_ptr<RateLimiter> cpu;
  {
    const std::lock_guard<std::mutex> lock(settings_mutex_);
    if (options_.trust_proxy) return std::nullopt;
    rate = limiter_;
    cpu = cpu_;
  }
  if (const int wait = rate->would_wait(client); wait > 0) return Turnaway{wait, over_rate_body_};
  if (const int wait = cpu->would_wait(client, 0); wait > 0) return Turnaway{wait, over_cpu_body_};
  return std::nullopt;
}

// What is refused before routing, whatever the route: nothing here reads the body.
std::optional<Server::Impl::Rejection> Server::Impl::rejection(const httplib::Request& req) const {
  if (req.path.size() > kMaxPathBytes) {
    return Rejection{414, "the path is longer than " + std::to_string(kMaxPathBytes) + " bytes"};
  }
  if (req.method != "OPTIONS") {
    const std::string allowed = allowed_methods(req.path);
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    if (allowed.empty()) return Rejection{404, "no such endpoint: " + req.path};
    if (allowed.find(method) == std::string::npos)
      return Rejection{405, req.method + " is not allowed on " + req.path};
  }
  if (req.has_header(kRangesRefused)) {
    return Rejection{416, "at most " + std::to_string(options_.max_ranges) +
                              " byte range(s), in order and not overlapping"};
  }
  const std::string encoding = text::fold_case(req.get_header_value("Content-Encoding"));
  if (!encoding.empty() && encoding != "identity") {
    return Rejection{415, "Content-Encoding " + text::truncate_utf8(encoding, 40) +
                              " is not accepted; send the body uncompressed"};
  }
  if (req.method == "POST" && !req.has_header("Content-Length") &&
      !req.has_header("Transfer-Encoding")) {
    return Rejection{411, "a POST needs a Content-Length"};
  }
  return std::nullopt;
}

void Server::Impl::configure() {
  const unsigned threads = std::max(1U, options_.threads);
  server_.new_task_queue = [threads] { return new WorkerPool(threads); };
  server_.set_read_timeout(options_.timeout_seconds, 0);
  server_.set_write_timeout(options_.timeout_seconds, 0);
  // Only for the Keep-Alive header: GuardedServer runs the connection loop (connection.h).
  server_.set_keep_alive_timeout(std::max(1, options_.keep_alive_ms / 1000));
  server_.set_keep_alive_max_count(ConnectionLimits{}.keep_alive_requests);
  server_.set_payload_max_length(options_.max_body_bytes);
  server_.on_request = [this](httplib::Request& req) { screen_ranges(req); };
  server_.screen = [this](const std::string& client) { return screen(client); };
  server_.on_refusal = [this](const Refusal& r) {
    metrics_.record("other", r.status, 0);
    // A flood of refused connections (429) is counted, not logged line by line.
    if (r.status == 429) return;
    const Settings s = settings();
    // A request the connection layer answered itself (408, 416, 431) counts against the
    // client's request rate like a routed one, so that one repeating it is soon refused as it
    // connects. Behind a trusted proxy the address is the proxy's, not a client's.
    if (!s.trust_proxy) s.limiter->charge(r.client, 1);
    if (!s.access_log) return;
    const std::lock_guard<std::mutex> lock(log_mutex_);
    log_ << "query serve: " << r.client << " refused with " << r.status << "\n";
  };
  // Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
  // holds the body until the client's delayed ACK (40 ms on Linux) of the headers.
  server_.set_tcp_nodelay(true);
  // SO_REUSEADDR (restart while old connections linger), not the library's SO_REUSEPORT,
  // which would let a second process bind the same port and take half the requests.
  server_.set_socket_options([this](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd_ = sock;
  });
  server_.set_pre_routing_handler([this](const auto& req, auto& res) { return before(req, res); });
  server_.set_post_routing_handler([this](const auto& req, auto& res) { after(req, res); });
  server_.set_logger([this](const auto& req, const auto& res) { log_request(req, res); });
  server_.set_exception_handler([this](const auto&, auto& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      const std::lock_guard<std::mutex> lock(log_mutex_);
      log_ << "query serve: internal error: " << e.what() << "\n";
    } catch (...) {
    }
    send_error(res, 500, "internal error; see the service log");
  });
  server_.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404 && path_known_with_other_method(req.path, req.method)) {
      res.set_header("Allow", allowed_methods(req.path));
      send_error(res, 405, req.method + " is not allowed on " + req.path);
      return;
    }
    const std::string message = res.status == 404   ? "no such endpoint: " + req.path
                                : res.status == 413 ? "request body too large"
                                : res.status == 414 ? "request URI too long"
                                                    : "request failed";
    send_error(res, res.status, message);
  });
}

template <typename F>
httplib::Server::Handler Server::Impl::guarded(F f) {
  return [this, f](const httplib::Request& req, httplib::Response& res) {
    const auto start = std::chrono::steady_clock::now();
    struct Timing {
      std::chrono::steady_clock::time_point start;
      httplib::Response& res;
      ~Timing() {
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count();
        char v[48];
        std::snprintf(v, sizeof v, "total;dur=%.3f", ms);
        res.set_header("Server-Timing", v);
      }
    } timing{start, res};
    // Charged to the client's CPU budget whichever way the handler ends.
    struct CpuCharge {
      Impl& impl;
      const httplib::Request& req;
      double start = thread_cpu_seconds();
      double elsewhere = 0;  // on a lane thread
      ~CpuCharge() {
        const Settings s = impl.settings();
        const std::string client = impl.client_of(req, s);
        const double used = thread_cpu_seconds() - start + elsewhere;
        s.cpu->charge(client, used);
        s.fast->charge(client, used);
      }
    } cpu{*this, req};
    try {
      if (spends_fast(req)) {
        cpu.elsewhere = lane_.run([&] { f(req, res); });
      } else {
        f(req, res);
      }
    } catch (const IndexUnavailable& e) {
      send_error(res, 503, e.what());
    } catch (const Xapian::DatabaseOpeningError& e) {
      send_error(res, 503, "the index cannot be opened: " + e.get_msg());
    } catch (const Xapian::NetworkError& e) {
      send_error(res, 503, "a shard of the index cannot be reached: " + e.get_msg());
    } catch (const Xapian::Error& e) {
      {
        const std::lock_guard<std::mutex> lock(log_mutex_);
        log_ << "query serve: " << e.get_description() << "\n";
      }
      send_error(res, 503, "the index is being replaced or is damaged; try again");
    }
  };
}

void Server::Impl::add_routes() {
  auto lease = [this](auto&& body) {
    return guarded(
        [this, body](const httplib::Request& req, httplib::Response& res) { body(req, res); });
  };
  server_.Get("/api/search", lease([this](const auto& req, auto& res) {
                Params p(req.params.begin(), req.params.end());
                search(req, res, search_request_from_params(p));
              }));
  server_.Post("/api/search", lease([this](const auto& req, auto& res) {
                 search(req, res, search_request_from_json(req.body));
               }));
  server_.Get("/api/suggest", lease([this](const auto& req, auto& res) { suggest(req, res); }));
  server_.Get("/api/related/(.+)",
              lease([this](const auto& req, auto& res) { related(req, res); }));
  server_.Get("/api/posts/(.+)", lease([this](const auto& req, auto& res) { post(req, res); }));
  server_.Post("/api/beacon", [this](const auto& req, auto& res) { beacon(req, res); });
  server_.Get("/api/stats", lease([this](const auto& req, auto& res) { stats(req, res); }));
  server_.Get("/healthz",
              [](const auto&, auto& res) { res.set_content("{\"status\":\"ok\"}", kJson); });
  server_.Get("/readyz", [this](const auto&, auto& res) { readyz(res); });
  server_.Get("/metrics", [this](const auto&, auto& res) { metrics(res); });
  server_.Get("/opensearch.xml", [this](const auto&, auto& res) {
    const Settings s = settings();
    res.set_content(render_opensearch({s.site_title, base_url(s), {}, {}}),
                    "application/opensearchdescription+xml");
  });
  server_.Get("/search.atom", lease([this](const auto& req, auto& res) { feed(req, res); }));
  server_.Get("/", lease([this](const auto& req, auto& res) { page(req, res); }));
  server_.Get("/search", lease([this](const auto& req, auto& res) { page(req, res); }));
  server_.Get("/assets/([A-Za-z0-9_-][A-Za-z0-9._-]*)",
              [this](const auto& req, auto& res) { asset(req, res); });
  server_.Options(".*", [](const auto&, auto& res) { res.status = 204; });
}

bool Server::Impl::spends_fast(const httplib::Request& req) {
  const Settings s = settings();
  return s.fast->would_wait(client_of(req, s), 0) > 0;
}

std::string Server::Impl::client_of(const httplib::Request& req, const Settings& s) const {
  if (s.trust_proxy && req.has_header("X-Forwarded-For")) {
    const std::string xff = req.get_header_value("X-Forwarded-For");
    const auto comma = xff.find_last_of(',');
    return text::trim(comma == std::string::npos ? xff : xff.substr(comma + 1));
  }
  return req.remote_addr;
}

std::string Server::Impl::allowed_origin(const httplib::Request& req, const Settings& s) const {
  if (!req.has_header("Origin")) return "";
  const std::string origin = req.get_header_value("Origin");
  for (const auto& o : s.cors_origins) {
    if (o == "*" || o == origin) return origin;
  }
  return "";
}

// The service's own URL: --public-url, else the address it listens on. Never the request's
// Host header: answers are cached (Cache-Control: public, ETag) whatever Host said.
std::string Server::Impl::base_url(const Settings& s) const {
  if (!s.public_url.empty()) {
    std::string u = s.public_url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }
  const bool v6 = options_.host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + options_.host + "]" : options_.host) + ":" +
         std::to_string(bound_port_.load());
}

// A browser names a refused origin only in its own console: the log names it too, once per
// origin, with the list it was checked against. The service's own pages are not refused.
void Server::Impl::note_refused_origin(const httplib::Request& req, const Settings& s) {
  const std::string origin = text::truncate_utf8(req.get_header_value("Origin"), 200);
  if (origin == base_url(s) || origin == "http://" + req.get_header_value("Host")) return;
  const std::lock_guard<std::mutex> lock(log_mutex_);
  if (refused_origins_.size() > kMaxRefusedOrigins || !refused_origins_.insert(origin).second)
    return;
  if (refused_origins_.size() > kMaxRefusedOrigins) {
    log_ << "query serve: more refused CORS origins; they are not logged\n";
    return;
  }
  log_ << "query serve: refused CORS origin " << origin
       << " (allowed: " << (s.cors_origins.empty() ? "none" : text::join(s.cors_origins, " "))
       << "); add it with "
       << "--cors-origin or cors_origins in the configuration\n";
}

httplib::Server::HandlerResponse Server::Impl::before(const httplib::Request& req,
                                                      httplib::Response& res) {
  const Settings s = settings();
  const std::string client = client_of(req, s);
  if (const int wait = s.limiter->admit(client); wait > 0) {
    res.set_header("Retry-After", std::to_string(wait));
    send_error(res, 429, "too many requests; retry after " + std::to_string(wait) + " s");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (const int wait = s.cpu->admit(client, 0); wait > 0) {
    res.set_header("Retry-After", std::to_string(wait));
    send_error(
        res, 429,
        "this client's searches used their CPU budget; retry after " + std::to_string(wait) + " s");
    return httplib::Server::HandlerResponse::Handled;
  }
  if (const auto rejected = rejection(req)) {
    if (rejected->status == 405) res.set_header("Allow", allowed_methods(req.path));
    send_error(res, rejected->status, rejected->message);
    return httplib::Server::HandlerResponse::Handled;
  }
  if (req.method == "OPTIONS" && req.has_header("Origin") && allowed_origin(req, s).empty()) {
    send_error(
        res, 403,
        "origin " + text::truncate_utf8(req.get_header_value("Origin"), 200) + " is not allowed");
    return httplib::Server::HandlerResponse::Handled;
  }
  return httplib::Server::HandlerResponse::Unhandled;
}

void Server::Impl::after(const httplib::Request& req, httplib::Response& res) {
  const Settings s = settings();
  const std::string origin = allowed_origin(req, s);
  if (origin.empty() && req.has_header("Origin")) note_refused_origin(req, s);
  // The CORS headers depend on Origin; cpp-httplib compresses by Accept-Encoding. No body
  // depends on Host (base_url()).
  res.set_header("Vary", "Origin, Accept-Encoding");
  if (!origin.empty()) {
    res.set_header("Access-Control-Allow-Origin", origin);
    res.set_header("Access-Control-Expose-Headers", "ETag");
    if (req.method == "OPTIONS") {
      res.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
      res.set_header("Access-Control-Allow-Headers", "Content-Type, If-None-Match");
      res.set_header("Access-Control-Max-Age", "600");
    }
  }
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
}

void Server::Impl::log_request(const httplib::Request& req, const httplib::Response& res) {
  const std::string route = route_of(req.path);
  const std::string timing = res.get_header_value("Server-Timing");
  const auto eq = timing.find("dur=");
  const double ms = eq == std::string::npos ? 0.0 : std::atof(timing.c_str() + eq + 4);
  metrics_.record(route, res.status, ms / 1000.0);
  if (!settings().access_log) return;
  char ts[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::lock_guard<std::mutex> lock(log_mutex_);
  log_ << ts << " " << req.remote_addr << " \"" << req.method << " "
       << text::escape_control(text::truncate_utf8(req.target, 200)) << "\" " << res.status << " "
       << res.body.size() << " " << ms << "ms\n";
}

bool Server::Impl::not_modified(const httplib::Request& req, httplib::Response& res,
                                SearcherPool::Lease& searcher) {
  const Settings s = settings();
  const std::string key =
      searcher->revision() + "|" + req.method + "|" + req.target + "|" + req.body;
  char etag[40];
  std::snprintf(etag, sizeof etag, "\"%016llx\"",
                static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  res.set_header("ETag", etag);
  res.set_header("Cache-Control", "public, max-age=" + std::to_string(s.cache_max_age));
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return true;
  }
  return false;
}

SearcherPool::Lease Server::Impl::acquire(const httplib::Request* req) {
  try {
    return pool_.acquire(req != nullptr ? client_of(*req, settings()) : std::string());
  } catch (const Xapian::Error& e) {
    throw IndexUnavailable("the index cannot be opened: " + e.get_msg());
  } catch (const std::runtime_error& e) {
    throw IndexUnavailable(e.what());
  }
}

void Server::Impl::search(const httplib::Request& req, httplib::Response& res,
                          const SearchParse& parsed) {
  if (const auto* e = std::get_if<ParamError>(&parsed)) {
    send_error(res, 400, e->param + ": " + e->message, e->param);
    return;
  }
  std::optional<SearchResponse> answer;
  {
    auto searcher = acquire(&req);
    if (not_modified(req, res, searcher)) return;
    answer = searcher->search(std::get<SearchRequest>(parsed));
  }  // the searcher goes back before the answer is written out, to the next request in line
  count(req, std::get<SearchRequest>(parsed), *answer);
  res.set_content(search_json(*answer), kJson);
}

void Server::Impl::suggest(const httplib::Request& req, httplib::Response& res) {
  const std::string q = req.get_param_value("q");
  if (!text::is_valid_utf8(q)) return send_error(res, 400, "q: is not valid UTF-8", "q");
  if (q.size() > 256) return send_error(res, 400, "q: longer than 256 bytes", "q");
  const auto langs = requested_langs(req, res);
  if (!langs) return;
  auto searcher = acquire(&req);
  if (not_modified(req, res, searcher)) return;
  const SuggestResponse r = searcher->suggest(q, 8, *langs);
  if (req.get_param_value("format") == "opensearch") {
    json words = json::array();
    for (const auto& c : r.completions) words.push_back(c.text);
    res.set_content(dump_json(json::array({q, words})), "application/x-suggestions+json");
    return;
  }
  res.set_content(dump_json(to_json(r)), kJson);
}

void Server::Impl::related(const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  int count = 5;
  if (req.has_param("per_page")) {
    const std::string v = req.get_param_value("per_page");
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || n < 1 || n > kMaxPerPage) {
      return send_error(res, 400, "per_page: must be between 1 and " + std::to_string(kMaxPerPage),
                        "per_page");
    }
    count = static_cast<int>(n);
  }
  const auto langs = requested_langs(req, res);
  if (!langs) return;
  auto searcher = acquire(&req);
  if (not_modified(req, res, searcher)) return;
  const auto hits = searcher->related(id, count, *langs);
  if (!hits) return send_error(res, 404, "no post with id " + text::truncate_utf8(id, 200), "id");
  res.set_content(related_json(id, *hits), kJson);
}

void Server::Impl::post(const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  auto searcher = acquire(&req);
  if (not_modified(req, res, searcher)) return;
  const auto p = searcher->post(id);
  if (!p) return send_error(res, 404, "no post with id " + text::truncate_utf8(id, 200), "id");
  res.set_content(dump_json(to_json(*p)), kJson);
}

void Server::Impl::not_ready(httplib::Response& res, const std::string& why) {
  res.status = 503;
  res.set_content(
      dump_json(
          json{{"ready", false},
               {"error", {{"code", "index_unavailable"}, {"message", why}, {"param", nullptr}}}}),
      kJson);
}

void Server::Impl::readyz(httplib::Response& res) {
  try {
    auto searcher = acquire();
    json j = to_json(searcher->info());
    j["ready"] = true;
    res.set_content(dump_json(j), kJson);
  } catch (const IndexUnavailable& e) {
    not_ready(res, e.what());
  } catch (const Xapian::Error& e) {
    not_ready(res, "the index is being replaced or is damaged: " + e.get_msg());
  }
}

PoolOptions Server::Impl::pool_options() {
  PoolOptions p;
  p.max_searchers = searchers_or_default(options_);
  p.open = options_.open;
  p.post_cache_bytes = std::size_t{options_.post_cache_mb} << 20;
  p.warm = options_.warm;
  p.on_warm = [this](const WarmEvent& e) { record_warm(e); };
  return p;
}

void Server::Impl::record_warm(const WarmEvent& e) {
  const std::lock_guard<std::mutex> lock(log_mutex_);
  if (!e.error.empty()) {
    log_ << "query serve: caches not warmed: " << e.error << "\n";
    return;
  }
  if (e.report.complete) {
    ++warms_;
    last_warm_seconds_ = e.seconds;
  }
  if (!options_.access_log) return;
  log_ << "query serve: warmed revision " << e.revision << " in " << std::fixed
       << std::setprecision(2) << e.seconds << std::defaultfloat << " s: " << e.report.bitmaps
       << " posting bitmaps, " << e.report.posts << " posts"
       << (e.report.complete ? "" : " (cut short by a newer commit)") << "\n";
}

void Server::Impl::metrics(httplib::Response& res) {
  IndexGauges g;
  g.reopens = pool_.reopen_count();
  g.memos = pool_.memo_usage();
  g.warms = warms_;
  g.last_warm_seconds = last_warm_seconds_;
  try {
    auto searcher = acquire();
    const IndexInfo info = searcher->info();
    g.ready = true;
    g.documents = info.documents;
    g.revision = info.revision;
    g.age_seconds =
        info.indexed_at > 0 ? static_cast<double>(std::time(nullptr) - info.indexed_at) : 0;
  } catch (const IndexUnavailable&) {
    g.ready = false;
  } catch (const Xapian::Error&) {
    g.ready = false;
  }
  const LoadGauges load{lane_.jobs_run()};
  res.set_content(metrics_.render(g, load), "text/plain; version=0.0.4; charset=utf-8");
}

void Server::Impl::feed(const httplib::Request& req, httplib::Response& res) {
  Params p(req.params.begin(), req.params.end());
  if (p.find("sort") == p.end()) p.emplace("sort", "-date");
  if (p.find("per_page") == p.end()) p.emplace("per_page", "20");
  // A feed lists posts: pages have no date to be new by.
  if (p.find("type") == p.end()) p.emplace("type", "post");
  p.erase("facets");
  p.emplace("facets", "false");
  const SearchParse parsed = search_request_from_params(p);
  if (const auto* e = std::get_if<ParamError>(&parsed)) {
    return send_error(res, 400, e->param + ": " + e->message, e->param);
  }
  auto searcher = acquire(&req);
  if (not_modified(req, res, searcher)) return;
  const Settings s = settings();
  const std::string query =
      req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1);
  res.set_content(render_atom({s.site_title, base_url(s), searcher->site(), {}}, query,
                              searcher->search(std::get<SearchRequest>(parsed))),
                  "application/atom+xml; charset=utf-8");
}

// With --web-dir, only the files of the built-in asset set are served from that folder:
// regular files of at most kMaxWebFileBytes, not through a symlink that leads out of it.
std::optional<std::string> Server::Impl::web_file(const std::string& name,
                                                  std::string* content_type) {
  const auto asset = embedded_asset(name);
  if (!asset) return std::nullopt;
  *content_type = std::string(asset->content_type);
  if (options_.web_dir.empty()) return std::string(asset->bytes);
  std::error_code ec;
  const std::filesystem::path root = std::filesystem::canonical(options_.web_dir, ec);
  ContainedRead read = ec ? ContainedRead{std::nullopt, ec.message()}
                          : read_contained_file(root, options_.web_dir / name, kMaxWebFileBytes);
  if (!read.bytes) {
    const std::lock_guard<std::mutex> lock(log_mutex_);
    log_ << "query serve: --web-dir " << text::escape_control(name) << ": " << read.error << "\n";
  }
  return std::move(read.bytes);
}

void Server::Impl::page(const httplib::Request& req, httplib::Response& res) {
  std::string type;
  const auto tpl = web_file("index.html", &type);
  if (!tpl) return send_error(res, 404, "no search page (index.html) in the web folder");
  const Settings s = settings();
  PageContext ctx{s.site_title, base_url(s), {}, {}};
  std::optional<SearchResponse> response;
  const std::string q = req.get_param_value("q");
  if (req.path == "/search" && !q.empty()) {
    Params p(req.params.begin(), req.params.end());
    const SearchParse parsed = search_request_from_params(p);
    if (const auto* e = std::get_if<ParamError>(&parsed)) {
      return send_error(res, 400, e->param + ": " + e->message, e->param);
    }
    for (const auto& [name, value] : p) {
      if (name == "tag" || name == "author" || name == "category" || name == "year" ||
          name == "type")
        ctx.filters.emplace_back(name, value);
    }
    auto searcher = acquire(&req);
    SearchRequest r = std::get<SearchRequest>(parsed);
    r.facets = true;  // the language facet's links
    response = searcher->search(r);
    ctx.site = searcher->site();
    count(req, r, *response);
  }
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'");
  res.set_content(render_search_page(*tpl, ctx, text::is_valid_utf8(q) ? q : "",
                                     response ? &*response : nullptr),
                  "text/html; charset=utf-8");
}

void Server::Impl::asset(const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches[1];
  std::string type;
  const auto body = name == "index.html" ? std::nullopt : web_file(name, &type);
  if (!body) return send_error(res, 404, "no such asset: " + name);
  res.set_header("Cache-Control", options_.web_dir.empty() ? "public, max-age=3600" : "no-cache");
  res.set_content(*body, type);
}

std::unique_ptr<analytics::Recorder> Server::Impl::open_recorder() {
  if (!options_.analytics) return nullptr;
  analytics::StoreOptions store;
  store.retention_days = options_.analytics_retention_days;
  store.max_queries_per_day = options_.analytics_max_queries;
  analytics::RecorderOptions recorder;
  recorder.flush_interval = std::chrono::milliseconds(options_.analytics_flush_ms);
  recorder.max_pending = options_.analytics_max_queries;
  try {
    return std::make_unique<analytics::Recorder>(
        std::make_unique<analytics::Store>(
            analytics::store_path(options_.index_dir, options_.state_dir), store),
        recorder, [this](const std::string& error) {
          const std::lock_guard<std::mutex> lock(log_mutex_);
          log_ << "query serve: search analytics not written: " << error << "\n";
        });
  } catch (const std::runtime_error& e) {
    // Searching matters more than counting: the service runs without analytics. (The pool's
    // warmer may be logging already.)
    const std::lock_guard<std::mutex> lock(log_mutex_);
    log_ << "query serve: search analytics off: " << e.what()
         << " (set --state-dir to a writable folder, or --no-analytics)\n";
    return nullptr;
  }
}

namespace {
// Do Not Track and Global Privacy Control: such a reader's searches and opens are not
// counted at all.
bool not_tracked(const httplib::Request& req) {
  return req.get_header_value("DNT") == "1" || req.get_header_value("Sec-GPC") == "1";
}
}  // namespace

void Server::Impl::count(const httplib::Request& req, const SearchRequest& request,
                         const SearchResponse& answer) {
  if (recorder_ && !not_tracked(req)) recorder_->record_search(request, answer);
}

// A beacon's body is form-encoded (navigator.sendBeacon with URLSearchParams): q, rank, id.
// Answered 204 whether counted or not (DNT, analytics off), 400 when malformed.
void Server::Impl::beacon(const httplib::Request& req, httplib::Response& res) {
  if (req.body.size() > kMaxBeaconBytes)
    return send_error(res, 413,
                      "a beacon is at most " + std::to_string(kMaxBeaconBytes) + " bytes");
  httplib::Params p;
  httplib::detail::parse_query_text(req.body, p);
  const auto value = [&p](const char* name) {
    const auto it = p.find(name);
    return it == p.end() ? std::string() : it->second;
  };
  const std::string rank_text = value("rank");
  int rank = 0;
  const auto parsed = std::from_chars(rank_text.data(), rank_text.data() + rank_text.size(), rank);
  if (parsed.ec != std::errc() || parsed.ptr != rank_text.data() + rank_text.size() || rank < 1 ||
      rank > analytics::kMaxOpenRank)
    return send_error(
        res, 400,
        "rank: expected a whole number from 1 to " + std::to_string(analytics::kMaxOpenRank),
        "rank");
  const std::string q = value("q");
  const std::string id = value("id");
  if (q.empty() || !text::is_valid_utf8(q))
    return send_error(res, 400, "q: expected the query", "q");
  if (id.empty() || id.size() > analytics::kMaxPostIdBytes || !text::is_valid_utf8(id) ||
      text::has_control(id))
    return send_error(res, 400, "id: expected the opened post's id", "id");
  if (recorder_ && !not_tracked(req)) recorder_->record_open(q, rank, id);
  res.status = 204;
}

bool Server::Impl::stats_allowed(const httplib::Request& req) {
  std::string token;
  bool trust_proxy = false;
  {
    const std::lock_guard<std::mutex> lock(settings_mutex_);
    token = options_.stats_token;
    trust_proxy = options_.trust_proxy;
  }
  if (!token.empty()) {
    const std::string given = req.get_header_value("Authorization");
    const std::string wanted = "Bearer " + token;
    // Compared in time that does not depend on where they differ.
    unsigned char diff = given.size() == wanted.size() ? 0 : 1;
    for (std::size_t i = 0; i < given.size() && i < wanted.size(); ++i)
      diff |= static_cast<unsigned char>(given[i] ^ wanted[i]);
    if (diff == 0) return true;
  }
  // A proxy on this machine forwards readers from anywhere: behind one, only the token.
  const bool loopback = req.remote_addr == "127.0.0.1" || req.remote_addr == "::1" ||
                        req.remote_addr == "::ffff:127.0.0.1";
  return loopback && !trust_proxy && !req.has_header("X-Forwarded-For") &&
         !req.has_header("Forwarded");
}

void Server::Impl::stats(const httplib::Request& req, httplib::Response& res) {
  if (!stats_allowed(req))
    return send_error(res, 403,
                      "/api/stats answers loopback requests, or a request with the stats_token "
                      "of the configuration (Authorization: Bearer TOKEN)");
  if (!recorder_) return send_error(res, 404, "search analytics are off; see the service log");
  analytics::ReportOptions options;
  if (req.has_param("days")) {
    const std::string v = req.get_param_value("days");
    const auto r = std::from_chars(v.data(), v.data() + v.size(), options.days);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size() || options.days < 1 ||
        options.days > 3660)
      return send_error(res, 400, "days: expected a whole number from 1 to 3660", "days");
  }
  {
    const std::lock_guard<std::mutex> lock(settings_mutex_);
    options.k = options_.analytics_min_count;
  }
  recorder_->flush();
  auto searcher = acquire();
  const analytics::Report report =
      analytics::build_report(recorder_->store(), &*searcher, options, analytics::today());
  res.set_header("Cache-Control", "no-store");
  res.set_content(dump_json(analytics::to_json(report)), kJson);
}

Server::Server(ServerOptions options, std::ostream& log)
    : impl_(std::make_unique<Impl>(std::move(options), log)) {}
Server::~Server() = default;
int Server::bind() { return impl_->bind(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
void Server::update(const ServerOptions& options) { impl_->update(options); }

}  // namespace postsearch::http
