// The search page (rendered without script for /search?q=) and its assets: built into the
// binary, or read from --web-dir while editing web/.
#include "common/contained_file.h"
#include "common/schema.h"
#include "common/text.h"
#include "query/http/pages.h"
#include "query/http/server_internal.h"
#include "query/http/web_assets.h"

namespace postsearch::http {
namespace {

// Whether a search page's parameter is a filter its language links keep: every requested
// filter field of the schema but `lang`, which each link sets.
bool is_page_filter(const std::string& name) {
  for (const auto& f : schema::kFilterFields) {
    if (f.requested && f.filter != schema::Filter::kLang && f.name == name) return true;
  }
  return false;
}

}  // namespace

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
  const auto held = settings();
  const Settings& s = *held;
  PageContext ctx{s.options.site_title, base_url(s), {}, {}};
  std::optional<SearchResponse> response;
  const std::string q = req.get_param_value("q");
  if (req.path == "/search" && !q.empty()) {
    Params p(req.params.begin(), req.params.end());
    const SearchParse parsed = search_request_from_params(p);
    if (const auto* e = std::get_if<ParamError>(&parsed)) {
      return send_error(res, 400, e->param + ": " + e->message, e->param);
    }
    for (const auto& [name, value] : p) {
      if (is_page_filter(name)) ctx.filters.emplace_back(name, value);
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

}  // namespace postsearch::http
