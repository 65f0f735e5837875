#include "query/http/server.h"

#include <sys/socket.h>

#include <thread>

#include "query/http/worker_pool.h"

#include "query/http/server_internal.h"

namespace postsearch::http {

// Four per core: one client holds at most half of them (the pool's fairness), and each
// request parses, writes JSON and sends outside its lease, so two per core left a single
// busy client (a proxy without --trust-proxy, a load test) with one search per core and
// the cores idle between them (bench/README: 1,617-2,101 searches/s against 2,022-2,522).
unsigned searchers_or_default(const ServerOptions& options) {
  return options.searchers != 0 ? options.searchers
                                : 4 * std::max(1U, std::thread::hardware_concurrency());
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

}  // namespace

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& param) {
  res.status = status;
  res.set_content(dump_json(error_json(code_for(status), message, param)), kJson);
}

namespace {

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
  c.threads = std::max(1U, o.threads);
  return c;
}

}  // namespace

Server::Impl::Impl(ServerOptions options, std::ostream& log)
    : options_(std::move(options)),
      log_(log),
      settings_(make_settings(options_)),
      pool_(options_.index_dir, pool_options()),
      recorder_(open_recorder()),
      server_(connection_limits(options_)) {
  for (const auto& r : kRoutes) routes_.emplace_back(r, std::regex(r.pattern));
  configure();
  add_routes();
}

int Server::Impl::bind() {
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

void Server::Impl::run() {
  if (!server_.run()) throw std::runtime_error("cannot accept connections any more");
}

void Server::Impl::stop() { server_.stop(); }

// The budgets start afresh with the new limits.
std::shared_ptr<const Server::Impl::Settings> Server::Impl::make_settings(const ServerOptions& o) {
  const double cpu_limit = o.rate_limit > 0 ? o.cpu_limit : 0.0;
  return std::make_shared<const Settings>(Settings{
      o, std::make_shared<RateLimiter>(o.rate_limit, o.rate_burst),
      std::make_shared<RateLimiter>(cpu_limit, o.cpu_burst),
      // The CPU a client may use before its requests go to the low-priority lane.
      std::make_shared<RateLimiter>(cpu_limit * kLaneRateShare, o.cpu_burst * kLaneBurstShare)});
}

void Server::Impl::update(const ServerOptions& o) {
  auto next = make_settings(o);
  const std::lock_guard<std::mutex> lock(settings_mutex_);
  settings_ = std::move(next);
}

std::shared_ptr<const Server::Impl::Settings> Server::Impl::settings() const {
  const std::lock_guard<std::mutex> lock(settings_mutex_);
  return settings_;
}

// A connection the connection layer refused (429 at accept, 408, 416, 431): counted, and
// logged unless it is one of a flood of 429s.
void Server::Impl::refused(const Refusal& r) {
  metrics_.record("other", r.status, 0);
  // A flood of refused connections (429) is counted, not logged line by line.
  if (r.status == 429) return;
  const auto held = settings();
  const Settings& s = *held;
  // A request the connection layer answered itself (408, 416, 431) counts against the
  // client's request rate like a routed one, so that one repeating it is soon refused as it
  // connects. Behind a trusted proxy the address is the proxy's, not a client's.
  if (!s.options.trust_proxy) s.limiter->charge(r.client, 1);
  if (!s.options.access_log) return;
  const std::lock_guard<std::mutex> lock(log_mutex_);
  log_ << "query serve: " << r.client << " refused with " << r.status << "\n";
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
  server_.on_refusal = [this](const Refusal& r) { refused(r); };

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

Server::Server(ServerOptions options, std::ostream& log)
    : impl_(std::make_unique<Impl>(std::move(options), log)) {}
Server::~Server() = default;
int Server::bind() { return impl_->bind(); }
void Server::run() { impl_->run(); }
void Server::stop() { impl_->stop(); }
void Server::update(const ServerOptions& options) { impl_->update(options); }

}  // namespace postsearch::http
