// The route table and the API's handlers: each parses its parameters, leases a Searcher,
// and serialises the answer with json_io.h.
#include <xapian.h>
#include <xxhash.h>

#include <chrono>
#include <iomanip>

#include "common/text.h"
#include "query/http/pages.h"
#include "query/http/server_internal.h"

namespace postsearch::http {

using nlohmann::json;

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

}  // namespace

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
        const auto held = impl.settings();
        const Settings& s = *held;
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
    } catch (const Xapian::NetworkTimeoutError& e) {
      send_error(res, 503, "a shard of the index is too slow: " + e.get_msg());
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
    return guarded([body](const httplib::Request& req, httplib::Response& res) { body(req, res); });
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
    const auto held = settings();
    const Settings& s = *held;
    res.set_content(render_opensearch({s.options.site_title, base_url(s), {}, {}}),
                    "application/opensearchdescription+xml");
  });
  server_.Get("/search.atom", lease([this](const auto& req, auto& res) { feed(req, res); }));
  server_.Get("/", lease([this](const auto& req, auto& res) { page(req, res); }));
  server_.Get("/search", lease([this](const auto& req, auto& res) { page(req, res); }));
  server_.Get("/assets/([A-Za-z0-9_-][A-Za-z0-9._-]*)",
              [this](const auto& req, auto& res) { asset(req, res); });
  server_.Options(".*", [](const auto&, auto& res) { res.status = 204; });
}

bool Server::Impl::not_modified(const httplib::Request& req, httplib::Response& res,
                                SearcherPool::Lease& searcher) {
  const auto held = settings();
  const Settings& s = *held;
  const std::string key =
      searcher->revision() + "|" + req.method + "|" + req.target + "|" + req.body;
  char etag[40];
  std::snprintf(etag, sizeof etag, "\"%016llx\"",
                static_cast<unsigned long long>(XXH3_64bits(key.data(), key.size())));
  res.set_header("ETag", etag);
  res.set_header("Cache-Control", "public, max-age=" + std::to_string(s.options.cache_max_age));
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return true;
  }
  return false;
}

SearcherPool::Lease Server::Impl::acquire(const httplib::Request* req) {
  try {
    return pool_.acquire(req != nullptr ? client_of(*req, *settings()) : std::string());
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
  if (!settings()->options.access_log) return;
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
  const auto held = settings();
  const Settings& s = *held;
  const std::string query =
      req.target.find('?') == std::string::npos ? "" : req.target.substr(req.target.find('?') + 1);
  res.set_content(render_atom({s.options.site_title, base_url(s), searcher->site(), {}}, query,
                              searcher->search(std::get<SearchRequest>(parsed))),
                  "application/atom+xml; charset=utf-8");
}

// With --web-dir, only the files of the built-in asset set are served from that folder:

}  // namespace postsearch::http
