#include "query/open_index.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

#include "common/document.h"
#include "common/schema.h"
#include "common/text.h"
#include "query/post_cache.h"
#include "query/query_builder.h"
#include "query/revision_memos.h"

namespace postsearch {
namespace {

using schema::Filter;

// What names the files an open Database reads: the stub's text, and for each database it
// lists, the (device, inode) of its directory and, for an `auto` line (the only kind that
// can name a stub directory: a shard kept by xapian-replicate, which switches copies by
// rewriting its stub), the text of its own stub. Empty when there is no index. Read at
// every lease, so our own `glass` lines cost a stat each and nothing more.
std::string index_identity(const std::filesystem::path& index_dir) {
  std::string identity = read_stub_text(index_dir);
  for (const auto& [type, where] : parse_stub(identity)) {
    if (type == "remote") continue;
    const std::filesystem::path path = std::filesystem::path(where).is_absolute()
                                           ? std::filesystem::path(where)
                                           : index_dir / where;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    identity += "\n" + std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    if (type == "auto") identity += "\n" + read_stub_text(path);
  }
  return identity;
}

// Whether `lang` is searched with words of its own: a Snowball stemmer, or CJK n-grams.
bool has_own_stemmer(const std::string& lang) {
  const std::string base = lang.substr(0, lang.find('-'));
  if (base.empty() || is_cjk_language(base)) return !base.empty();
  try {
    Xapian::Stem stem(base);
    return true;
  } catch (const Xapian::InvalidArgumentError&) {
    return false;
  }
}

}  // namespace

std::vector<std::string> IndexLanguages::resolve(const std::vector<std::string>& asked) const {
  auto have = [&](const std::string& l) {
    return std::binary_search(langs.begin(), langs.end(), l);
  };
  std::vector<std::string> out;
  for (const auto& a : asked) {
    if (a == "*") return {};
    std::string l = schema::normalise_filter_value(Filter::kLang, a);
    std::replace(l.begin(), l.end(), '_', '-');
    const std::string base = l.substr(0, l.find('-'));
    if (!have(l) && have(base)) {
      l = base;
    } else if (!have(l) && !fallback_lang.empty()) {
      l = fallback_lang;
    }
    if (std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

std::string IndexLanguages::reader(const SearchRequest& request) const {
  if (!request.lang.empty()) {
    const std::vector<std::string> resolved = resolve({request.lang});
    return resolved.empty() ? default_lang : resolved.front();
  }
  return request.langs().size() == 1 ? request.langs().front() : default_lang;
}

std::string IndexLanguages::searched_as(const std::string& reader) const {
  return has_own_stemmer(reader) || fallback_lang.empty() ? reader : fallback_lang;
}

OpenIndex::OpenIndex(std::filesystem::path index_dir, OpenOptions options)
    : index_dir_(std::move(index_dir)), options_(options) {
  open();
}

void OpenIndex::open() {
  if (!options_.sites.empty()) {
    open_sites();
    return;
  }
  std::string identity = index_identity(index_dir_);
  OpenedIndex opened = open_index_for_reading(index_dir_, options_);
  db_ = opened.db;
  remote_ = opened.remote;
  missing_ = std::move(opened.missing);
  const std::vector<StubEntry> stub = read_stub(index_dir_);
  // "gen-N", "gen-N/shard-0" when sharded, "replica_1" on a xapian-replicate replica.
  generation_ = stub.empty() ? "" : stub.front().where.substr(0, stub.front().where.find('/'));
  identity_ = std::move(identity);
  languages_.default_lang = db_.get_metadata(std::string(schema::kMetaDefaultLang));
  if (languages_.default_lang.empty()) languages_.default_lang = "en";
  site_ = {db_.get_metadata(std::string(schema::kMetaSiteUrl)),
           db_.get_metadata(std::string(schema::kMetaBaseurl))};
  note_revision();
}

OpenIndex::Refreshed OpenIndex::refresh() {
  if (federated()) return refresh_sites();
  // A shard left out is tried again at every lease; so is a changed stub.
  if (index_identity(index_dir_) != identity_ || !missing_.empty()) {
    open();
    return Refreshed::kOpened;
  }
  try {
    if (!db_.reopen()) return Refreshed::kSame;
    note_revision();
    return Refreshed::kReopened;
  } catch (const Xapian::Error&) {
    if (!remote_) throw;
    open();  // a remote shard's connection is gone: connect anew
    return Refreshed::kOpened;
  }
}

void OpenIndex::note_revision() {
  revision_ = revision_key();
  pinned_ = db_.get_value_freq(schema::kSlotBoost) > 0;
  grouped_ = db_.get_value_freq(schema::kSlotTranslation) > 0;
  languages_.fallback_lang = schema::normalise_filter_value(
      Filter::kLang, db_.get_metadata(std::string(schema::kMetaFallbackLang)));
  const std::string prefix(schema::filter_field(Filter::kLang).prefix);
  languages_.langs.clear();
  for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
    languages_.langs.push_back((*t).substr(prefix.size()));
  }
}

void OpenIndex::open_sites() {
  check_sites(options_.sites);
  OpenOptions one = options_;
  one.sites.clear();
  sites_.clear();
  for (const SiteIndex& s : options_.sites)
    sites_.push_back(std::make_unique<OpenIndex>(s.index, one));
  combine();
}

// The sites' databases, as they are open now, added to one: a site that did not change is
// not reopened, and Xapian shares its open tables with the whole.
void OpenIndex::combine() {
  db_ = Xapian::Database();
  layout_ = SiteLayout();
  remote_ = false;
  missing_.clear();
  std::vector<std::string> generations;
  for (std::size_t i = 0; i < sites_.size(); ++i) {
    const OpenIndex& site = *sites_[i];
    const SiteIndex& spec = options_.sites[i];
    FederatedSite f;
    f.name = spec.name;
    f.link = {spec.url.empty() ? site.site().site_url : spec.url, site.site().baseurl};
    while (!f.link.site_url.empty() && f.link.site_url.back() == '/') f.link.site_url.pop_back();
    if (f.link.site_url.empty())
      throw std::runtime_error("site '" + spec.name +
                               "': give its url (url=): " + spec.index.string() + " records none");
    f.boost = spec.boost;
    f.databases = site.db().size();
    f.remote = site.remote();
    // A database made of several reports its databases' UUIDs joined by ':'.
    const std::string uuids = site.db().get_uuid();
    for (std::size_t at = 0; at <= uuids.size();) {
      const std::size_t end = std::min(uuids.find(':', at), uuids.size());
      f.uuids.push_back(uuids.substr(at, end - at));
      at = end + 1;
    }
    layout_.add(std::move(f));
    db_.add_database(site.db());
    remote_ = remote_ || site.remote();
    for (const auto& m : site.missing()) missing_.push_back(spec.name + ": " + m);
    generations.push_back(spec.name + "=" + site.generation_);
  }
  generation_ = text::join(generations, ",");
  identity_.clear();
  languages_ = sites_.front()->languages();
  site_ = {};
  note_revision();
}

OpenIndex::Refreshed OpenIndex::refresh_sites() {
  Refreshed most = Refreshed::kSame;
  for (auto& site : sites_) most = std::max(most, site->refresh());
  if (most != Refreshed::kSame) combine();
  return most;
}

Xapian::Database OpenIndex::database_of(const std::vector<std::size_t>& chosen) const {
  Xapian::Database out;
  for (const std::size_t i : chosen) out.add_database(sites_[i]->db());
  return out;
}

std::vector<Xapian::Database> OpenIndex::site_databases() const {
  std::vector<Xapian::Database> out;
  for (const auto& site : sites_) out.push_back(site->db());
  return out;
}

std::string OpenIndex::revision_key() const {
  if (federated()) {
    // One site's publish changes the whole's revision, and only its own part of it.
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < sites_.size(); ++i)
      parts.push_back(options_.sites[i].name + "=" + sites_[i]->revision());
    return text::join(parts, ",");
  }
  // The database's UUID tells apart two indexes built anew under the same generation name.
  // A sharded index has no one revision: every run that changes it writes a new publish id
  // into shard 0, which a replica or a remote shard changes in place.
  const std::string revision = db_.size() == 1
                                   ? std::to_string(db_.get_revision())
                                   : db_.get_metadata(std::string(schema::kMetaPublishId)) + "/" +
                                         std::to_string(db_.get_lastdocid());
  return generation_ + ":" + revision + ":" + db_.get_uuid().substr(0, 8);
}

WarmReport OpenIndex::warm(RevisionMemos& memos, const std::atomic<bool>& stop) {
  WarmReport report;
  try {
    if (!remote_) {
      (void)memos.facet_table(db_, revision_);
      report.bitmaps = memos.postings(revision_)->fill(db_, stop);
    }
    if (const std::shared_ptr<PostCache> posts = memos.posts(revision_)) {
      std::vector<Xapian::docid> ids;
      for (auto p = db_.postlist_begin(""); p != db_.postlist_end("") && !stop; ++p)
        ids.push_back(*p);
      for (auto id = ids.rbegin(); id != ids.rend() && !stop; ++id) {
        if (posts->contains(*id)) continue;
        const Xapian::Document doc = db_.get_document(*id);
        if (!posts->insert_if_room(
                *id, std::make_shared<const StoredPost>(decode_stored(doc.get_data()))))
          break;
        ++report.posts;
      }
    }
    report.complete = !stop;
  } catch (const Xapian::DatabaseModifiedError&) {
    // A newer revision is out: its own warming follows.
  }
  return report;
}

IndexInfo OpenIndex::info() const {
  IndexInfo i;
  i.documents = db_.get_doccount();
  i.schema_version = std::atoi(db_.get_metadata(std::string(schema::kMetaSchemaVersion)).c_str());
  i.generation = generation_;
  i.revision = revision_;
  i.default_lang = languages_.default_lang;
  i.langs = languages_.langs;
  i.fallback_lang = languages_.fallback_lang;
  i.site = site_;
  i.indexed_at = std::atoll(db_.get_metadata(std::string(schema::kMetaIndexedAt)).c_str());
  return i;
}

}  // namespace postsearch
