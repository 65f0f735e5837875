// Several sites' indexes searched as one (docs/federation.md). Each site is published by its
// own indexer run; the searcher adds every site's databases to one Xapian::Database, so that
// Xapian combines their statistics and a score means the same on every site: with every
// boost 1 the ranking is that of one index holding every site's posts. This file reads the
// --site flag, knows which site a document of the whole database belongs to, makes a hit's
// links absolute to its site, applies the sites' boosts and counts the `sites` facet.
//
// Xapian numbers the documents of a database made of N databases by interleaving: document
// d of the whole is document (d - 1) / N + 1 of database (d - 1) % N. A site filter
// searches the database made of the chosen sites' databases alone (docids of its own).
//
// Errors: parse_site_flag() and check_sites() throw std::runtime_error naming the flag's
// part or the site; Xapian exceptions propagate. Threads: a SiteLayout is not changed once
// built; the functions are the caller's thread's.
#pragma once

#include <xapian.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/index_layout.h"
#include "query/search_types.h"

namespace postsearch {

// "NAME=INDEX_DIR[,url=URL][,boost=X]", the --site flag. Throws std::runtime_error saying
// which part is wrong.
[[nodiscard]] SiteIndex parse_site_flag(const std::string& text);

// Throws std::runtime_error naming the site when a name is empty, too long, has a character
// outside [A-Za-z0-9._-] or repeats, an index directory is empty, a URL is not http(s), or a
// boost is not a finite number above 0.
void check_sites(const std::vector<SiteIndex>& sites);

// One site as opened, and where its databases are among the whole's.
struct FederatedSite {
  std::string name;
  SiteLink link;                   // its URL; links are made absolute to it
  double boost = 1.0;              // factor on its posts' scores
  std::size_t first = 0;           // its first database in the whole
  std::size_t databases = 0;       // how many (shards), at least 1
  std::vector<std::string> uuids;  // of its databases, in order (the boost finds them by it)
  bool remote = false;             // some of its databases are remote
};

class SiteLayout {
 public:
  // Appends the next site; its `first` is set here.
  void add(FederatedSite site);
  [[nodiscard]] const std::vector<FederatedSite>& sites() const { return sites_; }
  [[nodiscard]] std::size_t databases() const { return databases_; }

  // Every site's index, in order (a search without a site filter).
  [[nodiscard]] std::vector<std::size_t> all() const;
  // The sites named in `names`, in layout order; names of no site go to `unknown`.
  [[nodiscard]] std::vector<std::size_t> choose(const std::vector<std::string>& names,
                                                std::vector<std::string>& unknown) const;

  // The site of document `docid` of the database made of the sites `chosen` (ascending).
  [[nodiscard]] std::size_t site_of(Xapian::docid docid,
                                    const std::vector<std::size_t>& chosen) const;
  // The docid, in the database made of every site, of document `docid` of the database made
  // of the sites `chosen` (ascending).
  [[nodiscard]] Xapian::docid whole_docid(Xapian::docid docid,
                                          const std::vector<std::size_t>& chosen) const;

  // Sets `hit.site` and makes its links (url, absolute_url, passage_url, the sections' and
  // translations' urls) absolute to site `site`.
  void label(Hit& hit, std::size_t site) const;

  // `query` with each site's scores multiplied by its boost: one copy of the query per
  // distinct boost, each restricted to its sites' databases and scaled (Xapian weighs each
  // copy's terms as the query's own: the copies do not add up). `query` itself when every
  // boost is 1, and when boosts_ignored().
  [[nodiscard]] Xapian::Query boosted(const Xapian::Query& query) const;
  // Some boost is not 1 but some database is remote, which runs none of our own posting
  // sources: the boosts are not applied.
  [[nodiscard]] bool boosts_ignored() const;

 private:
  std::vector<FederatedSite> sites_;
  std::size_t databases_ = 0;
};

// The `sites` facet: for each site, how many posts of its database match `query` (exact),
// with the sites in `selected` marked; sites without a match are left out. `databases`:
// each site's own database, in layout order.
[[nodiscard]] Facet count_sites(const SiteLayout& layout,
                                const std::vector<Xapian::Database>& databases,
                                const Xapian::Query& query,
                                const std::vector<std::string>& selected);

}  // namespace postsearch
