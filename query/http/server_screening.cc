// What is refused before routing (rate and CPU budgets, paths, methods, byte ranges,
// encodings), CORS headers and the access log.
#include <time.h>

#include <ctime>

#include "common/text.h"
#include "query/http/server_internal.h"

namespace postsearch::http {
namespace {

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

}  // namespace

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
  const auto s = settings();
  if (s->options.trust_proxy) return std::nullopt;
  if (const int wait = s->limiter->would_wait(client); wait > 0)
    return Turnaway{wait, over_rate_body_};
  if (const int wait = s->cpu->would_wait(client, 0); wait > 0)
    return Turnaway{wait, over_cpu_body_};
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

bool Server::Impl::spends_fast(const httplib::Request& req) {
  const auto held = settings();
  const Settings& s = *held;
  return s.fast->would_wait(client_of(req, s), 0) > 0;
}

std::string Server::Impl::client_of(const httplib::Request& req, const Settings& s) const {
  if (s.options.trust_proxy && req.has_header("X-Forwarded-For")) {
    const std::string xff = req.get_header_value("X-Forwarded-For");
    const auto comma = xff.find_last_of(',');
    return client_key(text::trim(comma == std::string::npos ? xff : xff.substr(comma + 1)));
  }
  return client_key(req.remote_addr);
}

std::string Server::Impl::allowed_origin(const httplib::Request& req, const Settings& s) const {
  if (!req.has_header("Origin")) return "";
  const std::string origin = req.get_header_value("Origin");
  for (const auto& o : s.options.cors_origins) {
    if (o == "*" || o == origin) return origin;
  }
  return "";
}

// The service's own URL: --public-url, else the address it listens on. Never the request's
// Host header: answers are cached (Cache-Control: public, ETag) whatever Host said.
std::string Server::Impl::base_url(const Settings& s) const {
  if (!s.options.public_url.empty()) {
    std::string u = s.options.public_url;
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
  log_ << "query serve: refused CORS origin " << origin << " (allowed: "
       << (s.options.cors_origins.empty() ? "none" : text::join(s.options.cors_origins, " "))
       << "); add it with "
       << "--cors-origin or cors_origins in the configuration\n";
}

httplib::Server::HandlerResponse Server::Impl::before(const httplib::Request& req,
                                                      httplib::Response& res) {
  const auto held = settings();
  const Settings& s = *held;
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
  const auto held = settings();
  const Settings& s = *held;
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
  if (!settings()->options.access_log) return;
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

}  // namespace postsearch::http
