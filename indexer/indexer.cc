#include "indexer/indexer.h"

#include <sys/stat.h>
#include <xapian.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/contained_file.h"
#include "common/document.h"
#include "common/index_layout.h"
#include "common/schema.h"
#include "common/text.h"
#include "indexer/post_reader.h"
#include "indexer/rendered_text.h"
#include "indexer/synonyms.h"
#include "indexer/url_check.h"

namespace postsearch {
namespace {

using Clock = std::chrono::steady_clock;

inline constexpr std::uint64_t kMaxSourceBytes = 64ULL * 1024 * 1024;

// What the index remembers about a source file, in metadata "postsearch.src:" + rel.
struct FileState {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t hash = 0;
  char status = 'i';  // 'i': indexed as a document; 's': skipped (draft, search: false, ...)
};

std::string encode_state(const FileState& s) {
  std::ostringstream out;
  out << s.size << ' ' << s.mtime_ns << ' ' << s.hash << ' ' << s.status;
  return out.str();
}

std::optional<FileState> decode_state(const std::string& text) {
  std::istringstream in(text);
  FileState s;
  if (!(in >> s.size >> s.mtime_ns >> s.hash >> s.status)) return std::nullopt;
  return s;
}

struct Source {
  SourceFile file;
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
};

// One parsed source: the outcome of read_post without the post itself once written.
struct Parsed {
  ReadStatus status = ReadStatus::kFailed;
  std::string skip_reason;
  Diagnostics diagnostics;
  std::uint64_t hash = 0;
  std::uint64_t bytes = 0;
  std::optional<Post> post;  // kept only until it is written
  std::string url;           // the post's URL, kept after it is written
  UrlOrigin url_origin;      // the front-matter field that set it, if one did
};

// The post's bytes, read only from inside the site (a symlink may not lead out of it).
std::optional<std::string> read_bytes(const fs::path& root, const Source& s,
                                      Diagnostics& diagnostics) {
  if (s.size > kMaxSourceBytes) {
    diagnostics.push_back({Severity::kError, s.file.rel, 0, 0, "",
                           "file is " + std::to_string(s.size >> 20) + " MiB, over the " +
                               std::to_string(kMaxSourceBytes >> 20) + " MiB limit for a post"});
    return std::nullopt;
  }
  ContainedRead read = read_contained_file(root, s.file.path, kMaxSourceBytes);
  if (!read.bytes) diagnostics.push_back({Severity::kError, s.file.rel, 0, 0, "", read.error});
  return std::move(read.bytes);
}

std::uint64_t hash_bytes(const std::string& bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::uint64_t directory_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

// Runs work(worker, item) for item in [0, count) on `threads` threads; the calling thread
// reports progress meanwhile. The first exception thrown by a worker is rethrown here.
template <typename Work>
void parallel_for(std::size_t count, unsigned threads, const IndexerOptions& options,
                  std::atomic<std::size_t>& done, std::size_t total, Clock::time_point start,
                  Work work) {
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;  // written under failure_mutex, read after the joins
  std::mutex failure_mutex;
  std::atomic<bool> failed{false};  // what the progress loop may read meanwhile
  std::vector<std::thread> pool;
  for (unsigned w = 0; w < threads; ++w) {
    pool.emplace_back([&, w] {
      try {
        for (std::size_t i = next++; i < count; i = next++) {
          work(w, i);
          ++done;
        }
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
        next = count;
      }
    });
  }
  while (done < count && !failed) {
    if (options.on_progress) {
      options.on_progress(
          {done.load(), total, std::chrono::duration<double>(Clock::now() - start).count()});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    bool all_finished = next >= count;
    if (all_finished && done >= count) break;
  }
  for (auto& t : pool) t.join();
  if (failure) std::rethrow_exception(failure);
}

// One worker's partial databases: a fresh one every kPartSourceBytes of source, so that
// memory stays bounded and every part is written by one bulk commit of a new database.
class PartWriter {
 public:
  PartWriter(fs::path dir, unsigned worker) : dir_(std::move(dir)), worker_(worker) {}

  void add(const Post& post, std::uint64_t source_bytes) {
    if (!db_ || bytes_ >= kPartSourceBytes) rotate();
    db_->add_document(builder_.build(post));
    bytes_ += source_bytes;
  }
  void finish() {
    if (db_) db_->commit();
    db_.reset();
  }
  [[nodiscard]] const std::vector<fs::path>& parts() const { return parts_; }

 private:
  static constexpr std::uint64_t kPartSourceBytes = 16ULL * 1024 * 1024;

  void rotate() {
    finish();
    parts_.push_back(dir_ /
                     ("part-" + std::to_string(worker_) + "-" + std::to_string(parts_.size())));
    db_ = std::make_unique<Xapian::WritableDatabase>(
        parts_.back().string(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
    bytes_ = 0;
  }

  fs::path dir_;
  unsigned worker_;
  std::unique_ptr<Xapian::WritableDatabase> db_;
  DocumentBuilder builder_;  // spelling is added once, after the merge
  std::uint64_t bytes_ = 0;
  std::vector<fs::path> parts_;
};

// Runs f(i) for each i in [0, n) on its own thread; rethrows the first exception.
template <typename F>
void each_in_parallel(std::size_t n, F f) {
  std::vector<std::exception_ptr> errors(n);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      try {
        f(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

// Spelling data from the merged index's vocabulary: one pass over its words instead of
// one call per word occurrence while indexing (which cost about a fifth of the time).
void add_spelling_from_vocabulary(Xapian::WritableDatabase& db) {
  for (auto t = db.allterms_begin(); t != db.allterms_end(); ++t) {
    const std::string& term = *t;
    if (term.size() < 3 || term.size() > 32) continue;
    const auto first = static_cast<unsigned char>(term[0]);
    if ((first >= 'A' && first <= 'Z') || (first >= '0' && first <= '9'))
      continue;  // prefixed, numbers
    db.add_spelling(term, t.get_termfreq());
  }
}

// Adds the number of documents of each type (post, page, a collection) in `db` to `counts`:
// the frequencies of the type terms, so no document is read.
void count_types(const Xapian::Database& db, std::map<std::string, std::size_t>& counts) {
  const std::string prefix = schema::filter_term(schema::Filter::kType, "");
  for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t)
    counts[(*t).substr(prefix.size())] += t.get_termfreq();
}

// Unpublished work is dropped at once when a run fails: on a full disk it is what fills it.
struct DropUnpublished {
  const IndexLayout& layout;
  fs::path parts;
  fs::path gen;
  ~DropUnpublished() {
    std::error_code ec;
    if (!parts.empty()) fs::remove_all(parts, ec);
    if (layout.live_generation() != gen) fs::remove_all(gen, ec);
  }
};

// A shard carried unchanged into a new generation: its files hard-linked (copied where the
// file system cannot link), never written again.
void link_shard(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    std::error_code ec;
    fs::create_hard_link(entry.path(), to / entry.path().filename(), ec);
    if (ec) fs::copy_file(entry.path(), to / entry.path().filename());
  }
}

class Run {
 public:
  explicit Run(const IndexerOptions& options) : options_(options), layout_(options.index_dir) {}

  IndexSummary execute();

 private:
  void list();
  void open_output();
  void load_state();
  [[nodiscard]] bool settings_match(const Xapian::Database& first) const;
  // Reads the recorded state of shard k's posts; a post recorded in another shard than
  // its own (shards listed in another order) asks for a full run.
  void read_shard_state(const Xapian::Database& db, unsigned k);
  void reset_for_rebuild();
  [[nodiscard]] std::vector<bool> touched_shards(const std::vector<std::size_t>& writes,
                                                 const std::vector<std::string>& deleted) const;
  // Remote shards (xapian-tcpsrv --writable): named by the options or the stub.
  [[nodiscard]] bool resolve_remote();
  void remote_run();
  void open_remote();
  void write_remote(const std::vector<std::size_t>& writes,
                    const std::vector<std::string>& deleted);
  void remote_full_sync();
  // Shards in the order remote ones commit: shard 0, which names the publish, last, so
  // that a reader that sees its new publish id sees every shard of it.
  [[nodiscard]] std::vector<unsigned> shard_0_last() const {
    std::vector<unsigned> order;
    for (unsigned k = 1; k < shards_; ++k) order.push_back(k);
    order.push_back(0);
    return order;
  }
  void drop_strays(Xapian::WritableDatabase& db, const std::vector<std::size_t>& items) const;
  // Runs f(), naming remote shard k in the error when Xapian throws.
  template <typename F>
  void on_remote(unsigned k, F f) const {
    try {
      f();
    } catch (const Xapian::Error& e) {
      throw RemoteShardError("remote shard " + remote_[k] + ": " + e.get_description());
    }
  }
  void parse_one(const Source& source, Parsed& out) const;
  // Recorded sources the listing no longer has, except those it could not see (an
  // unreadable folder, a file it could not stat): their posts stay.
  [[nodiscard]] std::vector<std::string> deleted_sources() const;
  // A rebuild would drop the posts of folders the listing could not see: refused then.
  void refuse_rebuild_with_unreadable_folders() const;
  // Warns of each post written in this run whose URL another post of the index has.
  void report_duplicate_urls(const Xapian::Database& db);
  void incremental();
  void write_shards(const std::vector<std::size_t>& writes,
                    const std::vector<std::string>& deleted);
  // Applies this run's changes to `db`: all of them, or those of posts in shard `only`.
  void apply(Xapian::WritableDatabase& db, const std::vector<std::size_t>& writes,
             const std::vector<std::string>& deleted, std::optional<unsigned> only);
  [[nodiscard]] unsigned shard_of_source(std::size_t i) const {
    return shard_of(sources_[i].file.rel, shards_);
  }
  void rebuild();
  void merge_and_publish(const std::vector<std::unique_ptr<PartWriter>>& writers,
                         const fs::path& parts_dir, const fs::path& gen,
                         const std::optional<fs::path>& previous);
  void write_state(Xapian::WritableDatabase& db, const std::vector<std::size_t>& parsed_items);
  void account(const Parsed& p, bool existed);
  void emit_diagnostics(const std::vector<Parsed>& parsed);
  [[nodiscard]] std::string options_hash() const;
  [[nodiscard]] unsigned thread_count() const;
  void phase(const char* name) {
    const auto now = Clock::now();
    summary_.phases.emplace_back(name, std::chrono::duration<double>(now - phase_start_).count());
    phase_start_ = now;
  }

  const IndexerOptions& options_;
  IndexLayout layout_;
  SiteConfig site_;
  std::optional<BuiltSite> built_;  // the generator's output, when checked against
  std::vector<Source> sources_;
  Synonyms synonyms_;
  std::map<std::string, FileState> old_state_;
  std::vector<std::string> listing_failures_;  // files and folders (with a '/') not listed
  SourceListing unseen_;  // the listing's unreadable folders (its files are in sources_)
  bool need_rebuild_ = false;
  unsigned shards_ = 1;              // shard databases of the index this run writes
  std::vector<std::string> remote_;  // HOST:PORT a shard when they are remote; else empty
  std::vector<Xapian::WritableDatabase> remote_dbs_;
  const std::string publish_id_ =
      std::to_string(std::random_device{}()) + "-" + std::to_string(std::time(nullptr));
  std::vector<Parsed> parsed_;  // index-aligned with sources_ for sources that were parsed
  std::vector<bool> changed_;   // index-aligned with sources_
  IndexSummary summary_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point phase_start_ = Clock::now();
  std::atomic<std::size_t> done_{0};
};

unsigned Run::thread_count() const {
  if (options_.threads > 0) return options_.threads;
  return std::max(1U, std::thread::hardware_concurrency());
}

std::string Run::options_hash() const {
  std::ostringstream key;
  key << schema::kSchemaVersion << '|' << generator_name(site_.generator) << '|'
      << options_.site.drafts << options_.site.posts_only << options_.future << options_.unpublished
      << '|' << site_.time_zone.name() << '|';
  key << site_.config_bytes << '|' << site_.authors.dump() << '|' << synonyms_.file << '|'
      << synonyms_.content;
  // Posts render Liquid with `_data/`: a change there changes their text.
  key << '|' << site_.liquid_site.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (shards_ > 1) key << "|shards " << shards_;
  if (built_) key << "|checked against " << built_->dir().string();
  key << "|site_url " << options_.site_url;
  const std::string k = key.str();
  return std::to_string(XXH3_64bits(k.data(), k.size()));
}

void Run::list() {
  SiteLoad load = load_site(options_.site_dir, {options_.generator, options_.machine_tz});
  for (const auto& d : load.diagnostics) {
    if (options_.on_diagnostic) options_.on_diagnostic(d);
  }
  if (has_error(load.diagnostics)) {
    throw ConfigError("cannot read the site configuration " + load.config.config_file);
  }
  site_ = std::move(load.config);
  summary_.generator = std::string(generator_name(site_.generator));
  synonyms_ = load_synonyms(site_, options_.synonyms);
  for (const auto& d : synonyms_.diagnostics) {
    if (options_.on_diagnostic) options_.on_diagnostic(d);
  }
  Diagnostics diagnostics;
  SourceListing listing = list_sources(site_, options_.site, diagnostics);
  unseen_.unreadable_dirs = listing.unreadable_dirs;
  for (const auto& dir : listing.unreadable_dirs) listing_failures_.push_back(dir + "/");
  for (auto& f : listing.files) {
    struct stat st {};
    if (::stat(f.path.c_str(), &st) != 0) {
      const int err = errno;
      diagnostics.push_back({Severity::kError, f.rel, 0, 0, "",
                             std::string("cannot read: ") + std::strerror(err) +
                                 (err == ELOOP ? " (a symlink loop?)" : "")});
      listing_failures_.push_back(f.rel);
      continue;
    }
    const std::int64_t mtime =
        static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    sources_.push_back({std::move(f), static_cast<std::uint64_t>(st.st_size), mtime});
  }
  for (const auto& d : diagnostics) {
    if (options_.on_diagnostic) options_.on_diagnostic(d);
  }
}

void Run::open_output() {
  SiteOutputOptions o;
  if (options_.site_output) o.dir = *options_.site_output;
  for (const auto& s : sources_) o.newest_source_ns = std::max(o.newest_source_ns, s.mtime_ns);
  Diagnostics diagnostics;
  built_ = open_site_output(site_, o, diagnostics);
  for (const auto& d : diagnostics) {
    if (options_.on_diagnostic) options_.on_diagnostic(d);
  }
  if (has_error(diagnostics)) throw ConfigError("cannot read the site's output folder");
}

void Run::load_state() {
  const auto live = layout_.live_generation();
  const std::vector<fs::path> dbs = layout_.live_shards();
  const auto live_shards = static_cast<unsigned>(dbs.size());
  shards_ = options_.shards > 0 ? options_.shards : std::max(1U, live ? live_shards : 1U);
  if (!live || options_.rebuild || live_shards != shards_) {
    need_rebuild_ = true;
    return;
  }
  // Index-wide settings are in every shard; each post's recorded state is in its own.
  if (!settings_match(Xapian::Database(dbs.front().string()))) {
    need_rebuild_ = true;
    return;
  }
  for (unsigned k = 0; k < dbs.size(); ++k) read_shard_state(Xapian::Database(dbs[k].string()), k);
}

bool Run::settings_match(const Xapian::Database& first) const {
  return schema_mismatch(first, options_.index_dir).empty() &&
         first.get_metadata(std::string(schema::kMetaOptionsHash)) == options_hash();
}

void Run::read_shard_state(const Xapian::Database& db, unsigned k) {
  const std::string prefix(schema::kMetaSourcePrefix);
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it) {
    std::string rel = (*it).substr(prefix.size());
    if (shard_of(rel, shards_) != k) need_rebuild_ = true;
    if (auto s = decode_state(db.get_metadata(*it))) old_state_.emplace(std::move(rel), *s);
  }
}

void Run::reset_for_rebuild() {
  const std::string generator = summary_.generator;
  summary_ = IndexSummary{};
  summary_.generator = generator;
  summary_.dry_run = options_.dry_run;
  old_state_.clear();
  done_ = 0;
}

void Run::parse_one(const Source& source, Parsed& out) const {
  std::optional<std::string> bytes = read_bytes(site_.root, source, out.diagnostics);
  if (!bytes) return;
  out.hash = hash_bytes(*bytes);
  out.bytes = bytes->size();
  ReadOptions ro;
  ro.drafts = options_.site.drafts;
  ro.future = options_.future;
  ro.unpublished = options_.unpublished;
  ro.now = static_cast<std::int64_t>(std::time(nullptr));
  ro.file_mtime = source.mtime_ns / 1000000000;
  ReadResult r = read_post(site_, source.file, *bytes, ro);
  out.status = r.status;
  out.skip_reason = std::move(r.skip_reason);
  out.diagnostics.insert(out.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
  out.post = std::move(r.post);
  // The generator's output is the truth for the URL, so the URL is read after the check.
  if (built_ && out.post) check_post_url(*built_, source.file.rel, *out.post, out.diagnostics);
  // Passage links (rendered_text.h): how each section's text appears on the built page.
  if (built_ && out.post) attach_passage_maps(*built_, *out.post);
  if (out.post) out.url = out.post->url;
  out.url_origin = r.url_origin;
}

void Run::account(const Parsed& p, bool existed) {
  summary_.source_bytes += p.bytes;
  switch (p.status) {
    case ReadStatus::kIndexed:
      ++(existed ? summary_.updated : summary_.added);
      break;
    case ReadStatus::kSkipped:
      ++summary_.skipped[p.skip_reason];
      break;
    case ReadStatus::kFailed:
      ++summary_.failed;
      break;
  }
}

void Run::emit_diagnostics(const std::vector<Parsed>& parsed) {
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    if (parsed[i].status == ReadStatus::kFailed && changed_[i])
      summary_.failed_files.push_back(sources_[i].file.rel);
    for (const auto& d : parsed[i].diagnostics) {
      if (options_.on_diagnostic) options_.on_diagnostic(d);
    }
  }
}

void Run::write_state(Xapian::WritableDatabase& db, const std::vector<std::size_t>& items) {
  const std::string prefix(schema::kMetaSourcePrefix);
  for (const std::size_t i : items) {
    const Parsed& p = parsed_[i];
    const Source& s = sources_[i];
    if (p.status == ReadStatus::kFailed) continue;  // retried next run; the old post stays
    FileState st{s.size, s.mtime_ns, p.hash, p.status == ReadStatus::kIndexed ? 'i' : 's'};
    db.set_metadata(prefix + s.file.rel, encode_state(st));
  }
  db.set_metadata(std::string(schema::kMetaSchemaVersion), std::to_string(schema::kSchemaVersion));
  db.set_metadata(std::string(schema::kMetaOptionsHash), options_hash());
  db.set_metadata(std::string(schema::kMetaDefaultLang), site_.default_lang);
  db.set_metadata(std::string(schema::kMetaFallbackLang), site_.fallback_lang);
  db.set_metadata(std::string(schema::kMetaIndexedAt), std::to_string(std::time(nullptr)));
  db.set_metadata(std::string(schema::kMetaPublishId), publish_id_);
  db.set_metadata(std::string(schema::kMetaSiteUrl),
                  options_.site_url.empty() ? site_.site_url : options_.site_url);
  db.set_metadata(std::string(schema::kMetaBaseurl), site_.baseurl);
}

std::vector<std::string> Run::deleted_sources() const {
  std::set<std::string> present;
  for (const auto& s : sources_) present.insert(s.file.rel);
  for (const auto& rel : listing_failures_) present.insert(rel);
  std::vector<std::string> deleted;
  for (const auto& [rel, st] : old_state_) {
    if (present.count(rel) == 0 && !unseen_.under_unreadable(rel)) deleted.push_back(rel);
  }
  return deleted;
}

void Run::refuse_rebuild_with_unreadable_folders() const {
  if (unseen_.unreadable_dirs.empty()) return;
  if (remote_.empty() && !layout_.live_generation()) return;  // nothing published to lose
  throw ConfigError("cannot read the folder " +
                    text::escape_control(unseen_.unreadable_dirs.front()) +
                    ": a new index built without it would lose its posts; the published index "
                    "is unchanged");
}

void Run::report_duplicate_urls(const Xapian::Database& db) {
  constexpr std::size_t kOthersRead = 3;  // a thousand posts at one URL cost 3 reads each
  std::set<std::pair<std::string, std::string>> reported;
  for (std::size_t i = 0; i < parsed_.size(); ++i) {
    const Parsed& p = parsed_[i];
    if (p.status != ReadStatus::kIndexed || p.url.empty()) continue;
    const std::string term = schema::filter_term(schema::Filter::kUrl, p.url);
    const Xapian::doccount sharing = db.get_termfreq(term);
    if (sharing < 2) continue;
    const std::string& rel = sources_[i].file.rel;
    std::size_t read = 0;
    for (auto it = db.postlist_begin(term); it != db.postlist_end(term) && read < kOthersRead;
         ++it, ++read) {
      const StoredPost other = decode_stored(db.get_document(*it).get_data());
      if (other.id == rel || other.url != p.url) continue;  // itself, or a former URL (alias)
      if (!reported.insert(std::minmax(rel, other.id)).second) continue;
      if (!options_.on_diagnostic) continue;
      options_.on_diagnostic(
          {Severity::kWarning, rel, p.url_origin.line, 0, p.url_origin.field,
           "URL " + p.url + " is also the URL of " + other.id +
               (sharing > 2 ? " (and " + std::to_string(sharing - 2) + " more)" : "") +
               ": the generator writes one page for both, and search lists both"});
    }
  }
}

void Run::incremental() {
  // Which sources changed: size and mtime first, the content hash only when those differ.
  std::vector<std::size_t> to_parse;
  changed_.assign(sources_.size(), false);
  parsed_.assign(sources_.size(), Parsed{});
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const auto it = old_state_.find(sources_[i].file.rel);
    if (it != old_state_.end() && it->second.size == sources_[i].size &&
        it->second.mtime_ns == sources_[i].mtime_ns) {
      ++summary_.unchanged;
      ++done_;
      continue;
    }
    to_parse.push_back(i);
  }
  if (to_parse.size() > options_.incremental_limit) {
    need_rebuild_ = true;
    summary_.unchanged = 0;
    done_ = 0;
    return;
  }
  parallel_for(
      to_parse.size(), thread_count(), options_, done_, sources_.size(), start_,
      [&](unsigned, std::size_t k) { parse_one(sources_[to_parse[k]], parsed_[to_parse[k]]); });

  const std::vector<std::string> deleted = deleted_sources();

  std::vector<std::size_t> writes;
  for (const std::size_t i : to_parse) {
    const auto old = old_state_.find(sources_[i].file.rel);
    const Parsed& p = parsed_[i];
    if (old != old_state_.end() && p.status != ReadStatus::kFailed && old->second.hash == p.hash &&
        (p.status == ReadStatus::kIndexed) == (old->second.status == 'i')) {
      ++summary_.unchanged;  // touched, same content: only the recorded mtime moves
      writes.push_back(i);
      parsed_[i].post.reset();
      continue;
    }
    changed_[i] = true;
    account(p, old != old_state_.end() && old->second.status == 'i');
    writes.push_back(i);
  }
  emit_diagnostics(parsed_);
  summary_.deleted = deleted.size();
  if (options_.dry_run || (writes.empty() && deleted.empty())) return;
  if (!remote_.empty()) {
    write_remote(writes, deleted);
    return;
  }
  if (shards_ > 1) {
    write_shards(writes, deleted);
    return;
  }
  // One database: changed in place, in one transaction (readers see all of it or none).
  Xapian::WritableDatabase db(layout_.live_generation()->string(), Xapian::DB_OPEN);
  db.begin_transaction();
  apply(db, writes, deleted, std::nullopt);
  write_synonyms(db, synonyms_, stemmer_for(site_.default_lang));
  db.commit_transaction();
}

void Run::apply(Xapian::WritableDatabase& db, const std::vector<std::size_t>& writes,
                const std::vector<std::string>& deleted, std::optional<unsigned> only) {
  // Spelling data stays local: Xapian's remote backend cannot read it back.
  DocumentBuilder builder(DocumentOptions{remote_.empty() ? &db : nullptr});
  const std::string prefix(schema::kMetaSourcePrefix);
  std::vector<std::size_t> mine;
  for (const std::size_t i : writes) {
    if (only && shard_of_source(i) != *only) continue;
    mine.push_back(i);
    Parsed& p = parsed_[i];
    const std::string idterm = schema::filter_term(schema::Filter::kId, sources_[i].file.rel);
    if (p.status == ReadStatus::kIndexed && p.post) {
      db.replace_document(idterm, builder.build(*p.post));
    } else if (p.status == ReadStatus::kSkipped) {
      db.delete_document(idterm);
    }
    p.post.reset();
  }
  for (const auto& rel : deleted) {
    if (only && shard_of(rel, shards_) != *only) continue;
    db.delete_document(schema::filter_term(schema::Filter::kId, rel));
    db.set_metadata(prefix + rel, "");
  }
  write_state(db, mine);
}

// Shards: a new generation in which the shards this run changes are copies, changed and
// committed, and the others are hard links of the live ones; then one stub swap publishes
// them together, so readers never see some shards changed and others not. Shard 0 is always
// rewritten: it holds the index-wide settings and the synonyms.
void Run::write_shards(const std::vector<std::size_t>& writes,
                       const std::vector<std::string>& deleted) {
  const fs::path previous = *layout_.live_generation();
  const std::vector<bool> touched = touched_shards(writes, deleted);
  layout_.remove_stale_generations(previous);
  const fs::path gen = layout_.next_generation();
  const DropUnpublished drop{layout_, {}, gen};
  for (unsigned k = 0; k < shards_; ++k) {
    if (touched[k]) {
      fs::create_directories(gen);
      fs::copy(shard_dir(previous, k), shard_dir(gen, k), fs::copy_options::recursive);
    } else {
      link_shard(shard_dir(previous, k), shard_dir(gen, k));
    }
  }
  phase("carry shards over");
  for (unsigned k = 0; k < shards_; ++k) {
    if (!touched[k]) continue;
    Xapian::WritableDatabase db(shard_dir(gen, k).string(), Xapian::DB_OPEN);
    apply(db, writes, deleted, k);
    if (k == 0) write_synonyms(db, synonyms_, stemmer_for(site_.default_lang));
    db.commit();
    db.close();
  }
  phase("write changed shards");
  layout_.publish(gen, shards_);
  layout_.remove_stale_generations(previous);
  summary_.shards_written =
      static_cast<std::size_t>(std::count(touched.begin(), touched.end(), true));
}

bool Run::resolve_remote() {
  const std::vector<StubEntry> stub = read_stub(options_.index_dir);
  std::vector<std::string> listed;
  for (const auto& e : stub) {
    if (e.type == "remote") listed.push_back(e.where);
  }
  if (options_.remote_shards.empty()) {
    if (listed.empty()) return false;
    if (listed.size() != stub.size()) {
      throw ConfigError(layout_.stub_path().string() +
                        " lists local and remote shards: the indexer writes one kind "
                        "(--remote-shard HOST:PORT for each remote one)");
    }
  }
  remote_ = options_.remote_shards.empty() ? listed : options_.remote_shards;
  for (const auto& address : remote_) (void)parse_remote_address(address, "--remote-shard");
  if (options_.shards > 0 && options_.shards != remote_.size()) {
    throw ConfigError("--shards " + std::to_string(options_.shards) + " with " +
                      std::to_string(remote_.size()) +
                      " remote shards: a remote index has one shard per --remote-shard");
  }
  return true;
}

// Remote shards are changed in place: no generations, each shard one transaction.
void Run::remote_run() {
  shards_ = static_cast<unsigned>(remote_.size());
  open_remote();
  if (!synonyms_.groups.empty() && options_.on_diagnostic) {
    options_.on_diagnostic({Severity::kWarning, synonyms_.file, 0, 0, "",
                            "synonyms are not written to remote shards: Xapian's remote backend "
                            "cannot store them (docs/SCALING.md)"});
  }
  need_rebuild_ = options_.rebuild;
  if (!need_rebuild_) on_remote(0, [&] { need_rebuild_ = !settings_match(remote_dbs_[0]); });
  for (unsigned k = 0; k < shards_ && !need_rebuild_; ++k)
    on_remote(k, [&] { read_shard_state(remote_dbs_[k], k); });
  if (!need_rebuild_) incremental();
  if (need_rebuild_) {
    reset_for_rebuild();
    remote_full_sync();
  }
  for (unsigned k = 0; k < shards_; ++k) {
    on_remote(k, [&] {
      summary_.documents += remote_dbs_[k].get_doccount();
      count_types(remote_dbs_[k], summary_.documents_by_type);
    });
  }
  if (options_.dry_run) return;
  // The list, so that later runs need only --index. Whether posts must be routed again is
  // read from the shards themselves (another count: the settings differ; another order:
  // posts recorded outside their shard), so a copy of a local build can be taken over.
  layout_.publish_remote(remote_);
  layout_.remove_stale_generations(std::nullopt);
}

void Run::open_remote() {
  constexpr unsigned kConnectMs = 10000;
  for (unsigned k = 0; k < shards_; ++k) {
    const RemoteAddress a = parse_remote_address(remote_[k], "--remote-shard");
    on_remote(k, [&] {
      remote_dbs_.push_back(
          Xapian::Remote::open_writable(a.host, a.port, options_.remote_timeout_ms, kConnectMs));
    });
  }
}

void Run::write_remote(const std::vector<std::size_t>& writes,
                       const std::vector<std::string>& deleted) {
  const std::vector<bool> touched = touched_shards(writes, deleted);
  for (const unsigned k : shard_0_last()) {
    if (!touched[k]) continue;
    on_remote(k, [&] {
      remote_dbs_[k].begin_transaction();
      apply(remote_dbs_[k], writes, deleted, k);
      remote_dbs_[k].commit_transaction();
    });
  }
  phase("write changed shards");
  summary_.shards_written =
      static_cast<std::size_t>(std::count(touched.begin(), touched.end(), true));
}

// Every post sent to its shard as it is parsed, inside one transaction a shard; then what
// a shard holds that this run did not send there is dropped, and each shard commits.
void Run::remote_full_sync() {
  refuse_rebuild_with_unreadable_folders();
  summary_.rebuilt = true;
  changed_.assign(sources_.size(), true);
  parsed_.assign(sources_.size(), Parsed{});
  const unsigned threads = thread_count();
  std::vector<DocumentBuilder> builders(threads);
  std::vector<std::mutex> locks(shards_);
  for (unsigned k = 0; k < shards_ && !options_.dry_run; ++k)
    on_remote(k, [&] { remote_dbs_[k].begin_transaction(); });
  parallel_for(sources_.size(), threads, options_, done_, sources_.size(), start_,
               [&](unsigned w, std::size_t i) {
                 Parsed& p = parsed_[i];
                 parse_one(sources_[i], p);
                 if (p.post && !options_.dry_run) {
                   const unsigned k = shard_of_source(i);
                   const Xapian::Document doc = builders[w].build(*p.post);
                   const std::string idterm =
                       schema::filter_term(schema::Filter::kId, sources_[i].file.rel);
                   const std::lock_guard<std::mutex> hold(locks[k]);
                   on_remote(k, [&] { remote_dbs_[k].replace_document(idterm, doc); });
                 }
                 p.post.reset();
               });
  for (std::size_t i = 0; i < sources_.size(); ++i) account(parsed_[i], false);
  emit_diagnostics(parsed_);
  if (options_.dry_run) return;
  phase("parse and send posts");
  std::vector<std::vector<std::size_t>> items(shards_);
  for (std::size_t i = 0; i < sources_.size(); ++i) items[shard_of_source(i)].push_back(i);
  for (const unsigned k : shard_0_last()) {
    on_remote(k, [&] {
      drop_strays(remote_dbs_[k], items[k]);
      write_state(remote_dbs_[k], items[k]);
      remote_dbs_[k].commit_transaction();
    });
  }
  phase("commit shards");
}

// Drops the posts (and recorded states) a shard holds that are not among `items`, the
// sources routed to it: posts gone from the site, or routed to another shard now.
void Run::drop_strays(Xapian::WritableDatabase& db, const std::vector<std::size_t>& items) const {
  std::set<std::string> posts;
  std::set<std::string> states;
  for (const std::size_t i : items) {
    if (parsed_[i].status == ReadStatus::kIndexed)
      posts.insert(schema::filter_term(schema::Filter::kId, sources_[i].file.rel));
    if (parsed_[i].status != ReadStatus::kFailed) states.insert(sources_[i].file.rel);
  }
  const std::string id_prefix = schema::filter_term(schema::Filter::kId, "");
  std::vector<std::string> stray_posts;
  for (auto t = db.allterms_begin(id_prefix); t != db.allterms_end(id_prefix); ++t) {
    if (posts.count(*t) == 0) stray_posts.push_back(*t);
  }
  for (const auto& term : stray_posts) db.delete_document(term);
  const std::string prefix(schema::kMetaSourcePrefix);
  std::vector<std::string> stray_states;
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it) {
    if (states.count((*it).substr(prefix.size())) == 0) stray_states.push_back(*it);
  }
  for (const auto& key : stray_states) db.set_metadata(key, "");
}

std::vector<bool> Run::touched_shards(const std::vector<std::size_t>& writes,
                                      const std::vector<std::string>& deleted) const {
  std::vector<bool> touched(shards_, false);
  touched[0] = true;  // the index-wide settings
  for (const std::size_t i : writes) touched[shard_of_source(i)] = true;
  for (const auto& rel : deleted) touched[shard_of(rel, shards_)] = true;
  return touched;
}

void Run::rebuild() {
  refuse_rebuild_with_unreadable_folders();
  summary_.rebuilt = true;
  changed_.assign(sources_.size(), true);
  parsed_.assign(sources_.size(), Parsed{});
  const auto previous = layout_.live_generation();
  if (!options_.dry_run) layout_.remove_stale_generations(previous);
  const fs::path gen = layout_.next_generation();
  const fs::path parts_dir = gen.string() + ".parts";
  const unsigned threads =
      std::max(1U, std::min<unsigned>(thread_count(), static_cast<unsigned>(sources_.size())));
  // Declared before the writers, so that they are closed first.
  const DropUnpublished drop{layout_, parts_dir, gen};
  std::vector<std::unique_ptr<PartWriter>> writers;
  if (!options_.dry_run) fs::create_directories(parts_dir);
  // One writer per worker and shard: writers[w * shards_ + shard].
  for (unsigned w = 0; w < threads * shards_; ++w)
    writers.push_back(std::make_unique<PartWriter>(parts_dir, w));
  parallel_for(sources_.size(), threads, options_, done_, sources_.size(), start_,
               [&](unsigned w, std::size_t i) {
                 Parsed& p = parsed_[i];
                 parse_one(sources_[i], p);
                 if (p.post && !options_.dry_run)
                   writers[w * shards_ + shard_of_source(i)]->add(*p.post, p.bytes);
                 p.post.reset();
               });
  for (std::size_t i = 0; i < sources_.size(); ++i) account(parsed_[i], false);
  emit_diagnostics(parsed_);
  if (options_.dry_run) return;
  phase("parse and write parts");
  each_in_parallel(writers.size(), [&](std::size_t w) { writers[w]->finish(); });
  phase("commit parts");
  merge_and_publish(writers, parts_dir, gen, previous);
}

void Run::merge_and_publish(const std::vector<std::unique_ptr<PartWriter>>& writers,
                            const fs::path& parts_dir, const fs::path& gen,
                            const std::optional<fs::path>& previous) {
  const auto target = [&](std::size_t k) {
    return shards_ == 1 ? gen : shard_dir(gen, static_cast<unsigned>(k));
  };
  if (shards_ > 1) fs::create_directories(gen);
  each_in_parallel(shards_, [&](std::size_t k) {
    Xapian::Database all;
    for (std::size_t w = k; w < writers.size(); w += shards_) {
      for (const auto& p : writers[w]->parts()) all.add_database(Xapian::Database(p.string()));
    }
    if (all.size() == 0) {
      Xapian::WritableDatabase(target(k).string(), Xapian::DB_CREATE_OR_OVERWRITE).commit();
    } else {
      all.compact(target(k).string(), Xapian::DBCOMPACT_MULTIPASS);
    }
  });
  fs::remove_all(parts_dir);
  phase("merge parts (compact)");
  std::vector<std::vector<std::size_t>> items(shards_);
  for (std::size_t i = 0; i < sources_.size(); ++i) items[shard_of_source(i)].push_back(i);
  for (unsigned k = 0; k < shards_; ++k) {
    Xapian::WritableDatabase db(target(k).string(), Xapian::DB_OPEN);
    add_spelling_from_vocabulary(db);
    if (k == 0) write_synonyms(db, synonyms_, stemmer_for(site_.default_lang));
    write_state(db, items[k]);
    db.commit();
    db.close();
  }
  phase("spelling data and state");
  layout_.publish(gen, shards_);
  layout_.remove_stale_generations(previous);
  phase("publish");
}

IndexSummary Run::execute() {
  summary_.dry_run = options_.dry_run;
  list();
  open_output();
  if (resolve_remote()) {
    remote_run();
  } else {
    load_state();
    if (!need_rebuild_) incremental();
    if (need_rebuild_) {
      reset_for_rebuild();
      rebuild();
    }
  }
  summary_.failed += listing_failures_.size();
  summary_.failed_files.insert(summary_.failed_files.end(), listing_failures_.begin(),
                               listing_failures_.end());
  if (options_.on_progress) {
    options_.on_progress({sources_.size(), sources_.size(),
                          std::chrono::duration<double>(Clock::now() - start_).count()});
  }
  if (!remote_.empty()) {
    summary_.remote = true;
    summary_.shards = shards_;
  } else if (const auto live = layout_.live_generation()) {
    summary_.generation = live->filename().string();
    summary_.index_bytes = directory_bytes(*live);
    const Xapian::Database db(options_.index_dir.string());
    summary_.documents = db.get_doccount();
    count_types(db, summary_.documents_by_type);
    if (!options_.dry_run) report_duplicate_urls(db);
    summary_.shards = layout_.live_shards().size();
  }
  summary_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  return summary_;
}

}  // namespace

std::size_t IndexSummary::skipped_total() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : skipped) n += count;
  return n;
}

std::size_t IndexSummary::listing_pages_skipped() const {
  std::size_t n = 0;
  for (const auto& [reason, count] : skipped) {
    if (reason.rfind("listing page", 0) == 0) n += count;
  }
  return n;
}

IndexSummary run_indexer(const IndexerOptions& options) {
  std::optional<WriterLock> lock;
  if (!options.dry_run) lock.emplace(options.index_dir);
  Run run(options);
  return run.execute();
}

}  // namespace postsearch
