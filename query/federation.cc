#include "query/federation.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <utility>

namespace postsearch {
namespace {

constexpr std::size_t kMaxNameBytes = 64;

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

double parse_boost(const std::string& text, const std::string& context) {
  char* end = nullptr;
  const double b = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(b) || b <= 0)
    throw std::runtime_error(context + ": boost: expected a number above 0, got '" + text + "'");
  return b;
}

// Every document of the databases whose UUID is among `uuids`, none of the others: Xapian
// gives a posting source each database of a combined one in turn (init()), so a source
// knows which one it reads. Weighs nothing; not serialisable (remote databases refuse it).
class SiteDocs : public Xapian::PostingSource {
 public:
  explicit SiteDocs(std::shared_ptr<const std::set<std::string>> uuids)
      : uuids_(std::move(uuids)) {}

  void init(const Xapian::Database& db) override {
    db_ = db;
    in_ = uuids_->count(db.get_uuid()) != 0;
    started_ = false;
  }
  [[nodiscard]] Xapian::doccount get_termfreq_min() const override { return count(); }
  [[nodiscard]] Xapian::doccount get_termfreq_est() const override { return count(); }
  [[nodiscard]] Xapian::doccount get_termfreq_max() const override { return count(); }
  void next(double) override {
    if (!start()) ++it_;
  }
  void skip_to(Xapian::docid did, double) override {
    start();
    it_.skip_to(did);
  }
  [[nodiscard]] bool at_end() const override {
    return !in_ || (started_ && it_ == db_.postlist_end(""));
  }
  [[nodiscard]] Xapian::docid get_docid() const override { return *it_; }
  [[nodiscard]] SiteDocs* clone() const override { return new SiteDocs(uuids_); }
  [[nodiscard]] std::string get_description() const override { return "SiteDocs"; }

 private:
  [[nodiscard]] Xapian::doccount count() const { return in_ ? db_.get_doccount() : 0; }
  // Positions the iterator on the first document; false when it already was.
  bool start() {
    if (started_) return false;
    it_ = db_.postlist_begin("");
    started_ = true;
    return true;
  }

  std::shared_ptr<const std::set<std::string>> uuids_;
  Xapian::Database db_;
  Xapian::PostingIterator it_;
  bool in_ = false;
  bool started_ = false;
};

// The absolute form of `url` on `link`'s site; `url` when it already is one.
std::string absolute(const SiteLink& link, const std::string& url) {
  if (url.empty() || url.find("://") != std::string::npos) return url;
  return link.absolute(url);
}

}  // namespace

SiteIndex parse_site_flag(const std::string& text) {
  const std::string context = "--site '" + text + "'";
  const std::size_t eq = text.find('=');
  if (eq == std::string::npos)
    throw std::runtime_error(context + ": expected NAME=INDEX_DIR[,url=URL][,boost=X]");
  SiteIndex site;
  site.name = text.substr(0, eq);
  std::string rest = text.substr(eq + 1);
  // The index directory runs to the first ",url=" or ",boost=": a path may hold commas.
  std::size_t cut = std::string::npos;
  for (const char* key : {",url=", ",boost="}) cut = std::min(cut, rest.find(key));
  site.index = rest.substr(0, cut);
  rest = cut == std::string::npos ? "" : rest.substr(cut + 1);
  while (!rest.empty()) {
    std::size_t next = std::string::npos;
    for (const char* key : {",url=", ",boost="}) next = std::min(next, rest.find(key));
    const std::string part = rest.substr(0, next);
    rest = next == std::string::npos ? "" : rest.substr(next + 1);
    if (part.rfind("url=", 0) == 0) {
      site.url = part.substr(4);
    } else if (part.rfind("boost=", 0) == 0) {
      site.boost = parse_boost(part.substr(6), context);
    } else {
      throw std::runtime_error(context + ": unknown part '" + part + "' (url= or boost=)");
    }
  }
  return site;
}

void check_sites(const std::vector<SiteIndex>& sites) {
  std::set<std::string> seen;
  for (const SiteIndex& s : sites) {
    const std::string context = "site '" + s.name + "'";
    if (s.name.empty() || s.name.size() > kMaxNameBytes ||
        !std::all_of(s.name.begin(), s.name.end(), name_char))
      throw std::runtime_error(context + ": a name is 1 to 64 of A-Z a-z 0-9 . _ -");
    if (!seen.insert(s.name).second) throw std::runtime_error(context + ": named twice");
    if (s.index.empty()) throw std::runtime_error(context + ": no index directory");
    if (!s.url.empty() && s.url.rfind("http://", 0) != 0 && s.url.rfind("https://", 0) != 0)
      throw std::runtime_error(context + ": url: expected http:// or https://, got '" + s.url +
                               "'");
    if (!std::isfinite(s.boost) || s.boost <= 0)
      throw std::runtime_error(context + ": boost: expected a number above 0");
  }
}

void SiteLayout::add(FederatedSite site) {
  site.first = databases_;
  databases_ += site.databases;
  sites_.push_back(std::move(site));
}

std::vector<std::size_t> SiteLayout::all() const {
  std::vector<std::size_t> out(sites_.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i;
  return out;
}

std::vector<std::size_t> SiteLayout::choose(const std::vector<std::string>& names,
                                            std::vector<std::string>& unknown) const {
  std::vector<std::size_t> out;
  for (const std::string& name : names) {
    const auto it = std::find_if(sites_.begin(), sites_.end(),
                                 [&](const FederatedSite& s) { return s.name == name; });
    if (it == sites_.end()) {
      unknown.push_back(name);
    } else {
      out.push_back(static_cast<std::size_t>(it - sites_.begin()));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::size_t SiteLayout::site_of(Xapian::docid docid, const std::vector<std::size_t>& chosen) const {
  std::size_t n = 0;
  for (const std::size_t s : chosen) n += sites_[s].databases;
  std::size_t sub = (docid - 1) % n;
  for (const std::size_t s : chosen) {
    if (sub < sites_[s].databases) return s;
    sub -= sites_[s].databases;
  }
  return chosen.back();  // not reached: sub < n
}

Xapian::docid SiteLayout::whole_docid(Xapian::docid docid,
                                      const std::vector<std::size_t>& chosen) const {
  std::size_t n = 0;
  for (const std::size_t s : chosen) n += sites_[s].databases;
  std::size_t sub = (docid - 1) % n;
  const std::size_t local = (docid - 1) / n;  // 0-based, in its own database
  for (const std::size_t s : chosen) {
    if (sub < sites_[s].databases) {
      return static_cast<Xapian::docid>(local * databases_ + sites_[s].first + sub + 1);
    }
    sub -= sites_[s].databases;
  }
  return docid;  // not reached: sub < n
}

void SiteLayout::label(Hit& hit, std::size_t site) const {
  const FederatedSite& s = sites_[site];
  hit.site = s.name;
  hit.url = absolute(s.link, hit.url);
  hit.absolute_url = hit.url;
  hit.passage_url = absolute(s.link, hit.passage_url);
  for (SectionHit& section : hit.sections) {
    section.url = absolute(s.link, section.url);
    section.passage_url = absolute(s.link, section.passage_url);
  }
  for (Translation& t : hit.translations) t.url = absolute(s.link, t.url);
}

bool SiteLayout::boosts_ignored() const {
  const auto boosted = [](const FederatedSite& s) { return s.boost != 1.0; };
  const auto remote = [](const FederatedSite& s) { return s.remote; };
  return std::any_of(sites_.begin(), sites_.end(), boosted) &&
         std::any_of(sites_.begin(), sites_.end(), remote);
}

Xapian::Query SiteLayout::boosted(const Xapian::Query& query) const {
  std::map<double, std::set<std::string>> groups;  // boost -> its sites' database UUIDs
  for (const FederatedSite& s : sites_) groups[s.boost].insert(s.uuids.begin(), s.uuids.end());
  if (groups.size() <= 1 && (groups.empty() || groups.begin()->first == 1.0)) return query;
  if (boosts_ignored()) return query;
  Xapian::Query out;
  for (auto& [boost, uuids] : groups) {
    auto* docs = new SiteDocs(std::make_shared<const std::set<std::string>>(std::move(uuids)));
    const Xapian::Query part(Xapian::Query::OP_FILTER, query, Xapian::Query(docs->release()));
    const Xapian::Query scaled(Xapian::Query::OP_SCALE_WEIGHT, part, boost);
    out = out.empty() ? scaled : Xapian::Query(Xapian::Query::OP_OR, out, scaled);
  }
  return out;
}

Facet count_sites(const SiteLayout& layout, const std::vector<Xapian::Database>& databases,
                  const Xapian::Query& query, const std::vector<std::string>& selected) {
  Facet facet;
  facet.name = "sites";
  for (std::size_t i = 0; i < databases.size(); ++i) {
    const std::string& name = layout.sites()[i].name;
    Xapian::Enquire e(databases[i]);
    e.set_query(query);
    e.set_weighting_scheme(Xapian::BoolWeight());
    const Xapian::MSet m = e.get_mset(0, 0, databases[i].get_doccount());
    const bool chosen = std::find(selected.begin(), selected.end(), name) != selected.end();
    if (m.get_matches_estimated() > 0 || chosen)
      facet.values.push_back({name, m.get_matches_estimated(), chosen});
  }
  std::stable_sort(facet.values.begin(), facet.values.end(),
                   [](const FacetValue& a, const FacetValue& b) {
                     if (a.selected != b.selected) return a.selected;
                     return a.count > b.count;
                   });
  return facet;
}

}  // namespace postsearch
