// The Searcher's part for several sites searched as one (query/federation.h): which sites'
// databases a request searches, each hit's site, and the `sites` facet.
#include "query/searcher.h"

#include <algorithm>

#include "query/facets.h"
#include "query/federation.h"
#include "query/filters.h"
#include "query/match_plan.h"

namespace postsearch {

Searcher::Searched Searcher::searched(const SearchRequest& request,
                                      std::vector<std::string>& notes) const {
  Searched out{index_.db(), {}, false};
  if (!index_.federated()) {
    if (!request.sites.empty()) notes.push_back("one index is searched here: `site` is ignored");
    return out;
  }
  const SiteLayout& layout = index_.layout();
  if (layout.boosts_ignored()) notes.push_back("site boosts are not applied over remote shards");
  if (request.sites.empty()) {
    out.sites = layout.all();
    return out;
  }
  std::vector<std::string> unknown;
  out.sites = layout.choose(request.sites, unknown);
  for (const auto& name : unknown) notes.push_back("no site is named `" + name + "`");
  out.none = out.sites.empty();
  out.db = out.none ? index_.db() : index_.database_of(out.sites);
  out.subset = !out.none;
  return out;
}

std::vector<std::size_t> Searcher::sites_of_hits(std::vector<Ranked>& docs,
                                                 const Searched& in) const {
  std::vector<std::size_t> site_of;
  if (!index_.federated() || in.sites.empty()) return site_of;
  for (Ranked& post : docs) {
    site_of.push_back(index_.layout().site_of(post.docid, in.sites));
    post.docid = index_.layout().whole_docid(post.docid, in.sites);
  }
  return site_of;
}

// The `sites` facet: each site's matches of the query with every filter but the sites.
Facet Searcher::sites_facet(const SearchRequest& request, const ParsedQuery& parsed,
                            const Xapian::Query& text_query) const {
  Facet f = count_sites(index_.layout(), index_.site_databases(),
                        with_filters(text_query, filter_query(request, parsed, std::nullopt)),
                        request.sites);
  const auto limit = static_cast<std::size_t>(std::max(request.facet_limit, 0));
  if (f.values.size() > limit) {
    f.other_values = f.values.size() - limit;
    f.values.resize(limit);
  }
  return f;
}

void Searcher::label_sites(std::vector<Hit>& hits) const {
  if (!index_.federated()) return;
  const Xapian::Database& db = index_.db();
  for (Hit& h : hits) {
    const std::string idterm = schema::filter_term(schema::Filter::kId, h.id);
    const Xapian::PostingIterator p = db.postlist_begin(idterm);
    if (p != db.postlist_end(idterm))
      index_.layout().label(h, index_.layout().site_of(*p, index_.layout().all()));
  }
}

}  // namespace postsearch
