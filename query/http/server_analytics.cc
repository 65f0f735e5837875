// Search analytics in the service: searches counted after they are answered, results
// opened (/api/beacon), and the report (/api/stats) for the site's owner.
#include <charconv>

#include "common/text.h"
#include "query/analytics/report.h"
#include "query/http/server_internal.h"

namespace postsearch::http {

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
  const auto s = settings();
  const std::string& token = s->options.stats_token;
  const bool trust_proxy = s->options.trust_proxy;
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
  options.k = options_.analytics_min_count;
  recorder_->flush();
  auto searcher = acquire();
  const analytics::Report report =
      analytics::build_report(recorder_->store(), &*searcher, options, analytics::today());
  res.set_header("Cache-Control", "no-store");
  res.set_content(dump_json(analytics::to_json(report)), kJson);
}

}  // namespace postsearch::http
