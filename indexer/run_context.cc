#include "indexer/run_context.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "common/contained_file.h"
#include "common/document.h"
#include "common/schema.h"
#include "common/text.h"
#include "indexer/parallel.h"
#include "indexer/rendered_text.h"
#include "indexer/url_check.h"

namespace postsearch {
namespace {

inline constexpr std::uint64_t kMaxSourceBytes = 64ULL * 1024 * 1024;

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

// stat() (symlinks followed) of files listed folder by folder: each relative to its folder,
// opened once, so that the kernel looks up one name a file instead of its whole path.
class FolderStat {
 public:
  FolderStat() = default;
  FolderStat(const FolderStat&) = delete;
  FolderStat& operator=(const FolderStat&) = delete;
  ~FolderStat() { close_folder(); }

  // False with errno set when `path` cannot be stat()ed.
  bool stat(const std::string& full, struct stat& st) {
    const std::size_t slash = full.rfind('/');
    if (slash == std::string::npos) return ::stat(full.c_str(), &st) == 0;
    const std::string_view folder(full.data(), slash + 1);
    if (folder != folder_) {
      close_folder();
      folder_ = std::string(folder);
      fd_ = ::open(folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    if (fd_ < 0) return ::stat(full.c_str(), &st) == 0;
    return ::fstatat(fd_, full.c_str() + slash + 1, &st, 0) == 0;
  }

 private:
  void close_folder() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string folder_;
  int fd_ = -1;
};

struct StatResult {
  int error = 0;  // errno of a failed stat()
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t inode = 0;
};

// stat() of every file, on up to `threads` threads (a listing of ten thousand files spends
// most of its time in the system calls).
std::vector<StatResult> stat_all(const std::vector<SourceFile>& files, unsigned threads) {
  constexpr std::size_t kFilesPerThread = 2000;
  std::vector<StatResult> out(files.size());
  const std::size_t n =
      std::max<std::size_t>(1, std::min<std::size_t>(threads, files.size() / kFilesPerThread));
  each_in_parallel(n, [&](std::size_t part) {
    FolderStat folder;
    for (std::size_t i = part * files.size() / n; i < (part + 1) * files.size() / n; ++i) {
      struct stat st {};
      if (!folder.stat(files[i].path, st)) {
        out[i].error = errno;
        continue;
      }
      out[i].size = static_cast<std::uint64_t>(st.st_size);
      out[i].mtime_ns =
          static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      out[i].inode = static_cast<std::uint64_t>(st.st_ino);
    }
  });
  return out;
}

std::string new_publish_id() {
  return std::to_string(std::random_device{}()) + "-" + std::to_string(std::time(nullptr));
}

}  // namespace

bool same_file(const FileState& recorded, const Source& s) {
  return recorded.size == s.size && recorded.mtime_ns == s.mtime_ns &&
         (recorded.inode == 0 || recorded.inode == s.inode);
}

void count_types(const Xapian::Database& db, std::map<std::string, std::size_t>& counts) {
  const std::string prefix = schema::filter_term(schema::Filter::kType, "");
  for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t)
    counts[(*t).substr(prefix.size())] += t.get_termfreq();
}

DropUnpublished::~DropUnpublished() {
  std::error_code ec;
  if (!parts.empty()) fs::remove_all(parts, ec);
  if (layout.live_generation() != gen) fs::remove_all(gen, ec);
}

RunContext::RunContext(const IndexerOptions& run_options)
    : options(run_options), layout(run_options.index_dir), publish_id(new_publish_id()) {
  summary.dry_run = options.dry_run;
}

void RunContext::diagnose(const Diagnostic& d) const {
  if (options.on_diagnostic) options.on_diagnostic(d);
}

void RunContext::list() {
  SiteLoad load = load_site(options.site_dir, {options.generator, options.machine_tz});
  for (const auto& d : load.diagnostics) diagnose(d);
  if (has_error(load.diagnostics)) {
    throw ConfigError("cannot read the site configuration " + load.config.config_file);
  }
  site = std::move(load.config);
  summary.generator = std::string(generator_name(site.generator));
  synonyms = load_synonyms(site, options.synonyms);
  for (const auto& d : synonyms.diagnostics) diagnose(d);
  // A file named with --synonyms that cannot be read is a mistake in the command, not a
  // site's problem to index around.
  if (options.synonyms && synonyms.content.empty() && has_error(synonyms.diagnostics))
    throw ConfigError("cannot read the synonyms file " + options.synonyms->string());
  Diagnostics diagnostics;
  SourceListing listing = list_sources(site, options.site, diagnostics);
  unseen.unreadable_dirs = listing.unreadable_dirs;
  for (const auto& dir : listing.unreadable_dirs) listing_failures.push_back(dir + "/");
  const std::vector<StatResult> stats = stat_all(listing.files, thread_count());
  sources.reserve(listing.files.size());
  for (std::size_t i = 0; i < listing.files.size(); ++i) {
    SourceFile& f = listing.files[i];
    const StatResult& st = stats[i];
    if (st.error != 0) {
      diagnostics.push_back({Severity::kError, f.rel, 0, 0, "",
                             std::string("cannot read: ") + std::strerror(st.error) +
                                 (st.error == ELOOP ? " (a symlink loop?)" : "")});
      listing_failures.push_back(f.rel);
      continue;
    }
    sources.push_back({std::move(f), st.size, st.mtime_ns, st.inode});
  }
  for (const auto& d : diagnostics) diagnose(d);
  choose_output();
}

void RunContext::choose_output() {
  SiteOutputOptions o;
  if (options.site_output) o.dir = *options.site_output;
  for (const auto& s : sources) o.newest_source_ns = std::max(o.newest_source_ns, s.mtime_ns);
  Diagnostics diagnostics;
  output_dir = choose_site_output(site, o, diagnostics);
  for (const auto& d : diagnostics) diagnose(d);
  if (has_error(diagnostics)) throw ConfigError("cannot read the site's output folder");
}

void RunContext::check_urls(const std::vector<std::size_t>& items) {
  if (!output_dir || built_) return;
  for (const std::size_t i : items) {
    Parsed& p = parsed[i];
    if (!p.post || BuiltSite::has_page(*output_dir, site.baseurl, p.post->url)) continue;
    load_output();
    check_post_url(*built_, sources[i].file.rel, *p.post, p.diagnostics);
    p.url = p.post->url;
  }
}

void RunContext::load_output() {
  if (!output_dir || built_) return;
  Diagnostics diagnostics;
  built_ = BuiltSite::load(*output_dir, BuiltSiteOptions{site.baseurl}, diagnostics);
  for (const auto& d : diagnostics) diagnose(d);
  if (has_error(diagnostics)) throw ConfigError("cannot read the site's output folder");
}

const std::string& RunContext::options_hash() const {
  if (options_hash_) return *options_hash_;
  std::ostringstream key;
  key << schema::kSchemaVersion << '|' << generator_name(site.generator) << '|'
      << options.site.drafts << options.site.posts_only << options.future << options.unpublished
      << '|' << site.time_zone.name() << '|';
  key << site.config_bytes << '|' << site.authors.dump() << '|' << synonyms.file << '|'
      << synonyms.content;
  // Posts render Liquid with `_data/`: a change there changes their text.
  key << '|' << site.liquid_site.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  // ... and `_includes/`.
  for (const auto& [name, text] : site.includes) key << '|' << name << '\n' << text;
  if (shards > 1) key << "|shards " << shards;
  if (output_dir) key << "|checked against " << output_dir->string();
  key << "|site_url " << options.site_url;
  const std::string k = key.str();
  options_hash_ = std::to_string(XXH3_64bits(k.data(), k.size()));
  return *options_hash_;
}

bool RunContext::settings_match(const Xapian::Database& first) const {
  return schema_mismatch(first, options.index_dir).empty() &&
         first.get_metadata(std::string(schema::kMetaOptionsHash)) == options_hash();
}

void RunContext::read_shard_state(const Xapian::Database& db, unsigned k) {
  const auto in_shard = [&](std::string_view rel) { return shard_of(rel, shards) == k; };
  const std::string table = db.get_metadata(std::string(schema::kMetaSourceTable));
  // A table that cannot be read, or that records posts of other shards: built again.
  const std::function<bool(std::string_view)> accept =
      shards > 1 ? std::function<bool(std::string_view)>(in_shard) : nullptr;
  if (!table.empty() && !old_state.add_table(table, accept)) need_rebuild = true;
  const std::string prefix(schema::kMetaSourcePrefix);
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it) {
    const std::string key = *it;
    const std::string_view rel = std::string_view(key).substr(prefix.size());
    if (!in_shard(rel)) need_rebuild = true;
    old_state.add_legacy(rel, db.get_metadata(key));
  }
  old_state.finish_legacy();
}

void RunContext::reset_for_rebuild() {
  IndexSummary fresh;
  fresh.generator = std::move(summary.generator);
  fresh.phases = std::move(summary.phases);
  summary = std::move(fresh);
  summary.dry_run = options.dry_run;
  old_state.clear();
  done = 0;
}

bool RunContext::hash(std::size_t i) {
  Parsed& out = parsed[i];
  Diagnostics ignored;  // parse() reports a read error again
  const std::optional<std::string> bytes = read_bytes(site.root, sources[i], ignored);
  if (!bytes) return false;
  out.hash = XXH3_64bits(bytes->data(), bytes->size());
  out.bytes = bytes->size();
  return true;
}

void RunContext::parse(std::size_t i) {
  const Source& source = sources[i];
  Parsed& out = parsed[i];
  out = Parsed{};
  std::optional<std::string> bytes = read_bytes(site.root, source, out.diagnostics);
  if (!bytes) return;
  out.hash = XXH3_64bits(bytes->data(), bytes->size());
  out.bytes = bytes->size();
  ReadOptions ro;
  ro.drafts = options.site.drafts;
  ro.future = options.future;
  ro.unpublished = options.unpublished;
  ro.now = static_cast<std::int64_t>(std::time(nullptr));
  ro.file_mtime = source.mtime_ns / 1000000000;
  ReadResult r = read_post(site, source.file, *bytes, ro);
  out.status = r.status;
  out.skip_reason = std::move(r.skip_reason);
  out.diagnostics.insert(out.diagnostics.end(), r.diagnostics.begin(), r.diagnostics.end());
  if (r.post) out.post = std::make_unique<Post>(std::move(*r.post));
  // The generator's output is the truth for the URL, so the URL is read after the check.
  if (built_ && out.post) check_post_url(*built_, source.file.rel, *out.post, out.diagnostics);
  // Passage links (rendered_text.h): how each section's text appears on its built page.
  if (output_dir && out.post) attach_passage_maps(*output_dir, site.baseurl, *out.post);
  if (out.post) out.url = out.post->url;
  out.url_origin = r.url_origin;
}

void RunContext::account(const Parsed& p, bool existed) {
  summary.source_bytes += p.bytes;
  switch (p.status) {
    case ReadStatus::kIndexed:
      ++(existed ? summary.updated : summary.added);
      break;
    case ReadStatus::kSkipped:
      ++summary.skipped[p.skip_reason];
      break;
    case ReadStatus::kFailed:
      ++summary.failed;
      break;
  }
}

void RunContext::emit_diagnostics() {
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    if (parsed[i].status == ReadStatus::kFailed && changed[i])
      summary.failed_files.push_back(sources[i].file.rel);
    for (const auto& d : parsed[i].diagnostics) diagnose(d);
  }
}

void RunContext::write_state(Xapian::WritableDatabase& db, const std::vector<std::size_t>& items,
                             const std::vector<std::string>& deleted, unsigned shard) const {
  db.set_metadata(std::string(schema::kMetaSourceTable),
                  encode_state_table(shard_states(items, deleted, shard)));
  // The states of indexes written before the table: now in it.
  const std::string prefix(schema::kMetaSourcePrefix);
  std::vector<std::string> legacy;
  for (auto it = db.metadata_keys_begin(prefix); it != db.metadata_keys_end(prefix); ++it)
    legacy.push_back(*it);
  for (const auto& key : legacy) db.set_metadata(key, "");
  db.set_metadata(std::string(schema::kMetaSchemaVersion), std::to_string(schema::kSchemaVersion));
  db.set_metadata(std::string(schema::kMetaOptionsHash), options_hash());
  db.set_metadata(std::string(schema::kMetaDefaultLang), site.default_lang);
  db.set_metadata(std::string(schema::kMetaFallbackLang), site.fallback_lang);
  db.set_metadata(std::string(schema::kMetaIndexedAt), std::to_string(std::time(nullptr)));
  db.set_metadata(std::string(schema::kMetaPublishId), publish_id);
  db.set_metadata(std::string(schema::kMetaSiteUrl),
                  options.site_url.empty() ? site.site_url : options.site_url);
  db.set_metadata(std::string(schema::kMetaBaseurl), site.baseurl);
}

std::vector<RecordedFile> RunContext::shard_states(const std::vector<std::size_t>& items,
                                                   const std::vector<std::string>& deleted,
                                                   unsigned shard) const {
  const auto by_rel = [](const RecordedFile& a, const RecordedFile& b) { return a.rel < b.rel; };
  std::vector<RecordedFile> fresh;
  for (const std::size_t i : items) {
    const Parsed& p = parsed[i];
    const Source& s = sources[i];
    if (p.status == ReadStatus::kFailed) continue;  // retried next run; the old post stays
    fresh.push_back(
        {s.file.rel,
         {s.size, s.mtime_ns, p.hash, p.status == ReadStatus::kIndexed ? 'i' : 's', s.inode}});
  }
  std::sort(fresh.begin(), fresh.end(), by_rel);
  std::vector<RecordedFile> kept;
  for (const RecordedFile& f : old_state.files()) {
    if (shards > 1 && shard_of(f.rel, shards) != shard) continue;
    if (std::binary_search(deleted.begin(), deleted.end(), f.rel)) continue;
    kept.push_back(f);
  }
  // Both sorted; where both have a source, this run's state wins.
  std::vector<RecordedFile> out;
  out.reserve(fresh.size() + kept.size());
  std::size_t k = 0;
  for (const RecordedFile& f : fresh) {
    while (k < kept.size() && kept[k].rel < f.rel) out.push_back(kept[k++]);
    if (k < kept.size() && kept[k].rel == f.rel) ++k;
    out.push_back(f);
  }
  out.insert(out.end(), kept.begin() + static_cast<std::ptrdiff_t>(k), kept.end());
  return out;
}

void RunContext::apply(Xapian::WritableDatabase& db, const ChangeSet& changes,
                       std::optional<unsigned> only) {
  // Spelling data stays local: Xapian's remote backend cannot read it back. A post's words
  // go in with it and are taken back before it is replaced or deleted.
  const bool spelling = remote.empty();
  DocumentBuilder builder(DocumentOptions{spelling ? &db : nullptr});
  const auto forget = [&](const std::string& idterm) {
    if (spelling) forget_spelling(db, idterm);
  };
  std::vector<std::size_t> mine;
  for (const std::size_t i : changes.writes) {
    if (only && shard_of_source(i) != *only) continue;
    mine.push_back(i);
    Parsed& p = parsed[i];
    const std::string idterm = schema::filter_term(schema::Filter::kId, sources[i].file.rel);
    if (p.status == ReadStatus::kIndexed && p.post) {
      forget(idterm);
      db.replace_document(idterm, builder.build(*p.post));
    } else if (p.status == ReadStatus::kSkipped) {
      forget(idterm);
      db.delete_document(idterm);
    }
    p.post.reset();
  }
  for (const auto& rel : changes.deleted) {
    if (only && shard_of(rel, shards) != *only) continue;
    const std::string idterm = schema::filter_term(schema::Filter::kId, rel);
    forget(idterm);
    db.delete_document(idterm);
  }
  write_state(db, mine, changes.deleted, only.value_or(0));
}

std::vector<bool> RunContext::touched_shards(const ChangeSet& changes) const {
  std::vector<bool> touched(shards, false);
  touched[0] = true;  // the index-wide settings
  for (const std::size_t i : changes.writes) touched[shard_of_source(i)] = true;
  for (const auto& rel : changes.deleted) touched[shard_of(rel, shards)] = true;
  return touched;
}

std::vector<std::vector<std::size_t>> RunContext::items_by_shard() const {
  std::vector<std::vector<std::size_t>> items(shards);
  for (std::size_t i = 0; i < sources.size(); ++i) items[shard_of_source(i)].push_back(i);
  return items;
}

unsigned RunContext::shard_of_source(std::size_t i) const {
  return shard_of(sources[i].file.rel, shards);
}

void RunContext::refuse_rebuild_with_unreadable_folders() const {
  if (unseen.unreadable_dirs.empty()) return;
  if (remote.empty() && !layout.live_generation()) return;  // nothing published to lose
  throw ConfigError("cannot read the folder " +
                    text::escape_control(unseen.unreadable_dirs.front()) +
                    ": a new index built without it would lose its posts; the published index "
                    "is unchanged");
}

unsigned RunContext::thread_count() const {
  if (options.threads > 0) return options.threads;
  return std::max(1U, std::thread::hardware_concurrency());
}

void RunContext::phase(const char* name) {
  const auto now = Clock::now();
  summary.phases.emplace_back(name, std::chrono::duration<double>(now - phase_start_).count());
  phase_start_ = now;
}

void RunContext::report_progress() const {
  if (!options.on_progress) return;
  options.on_progress(
      {done.load(), sources.size(), std::chrono::duration<double>(Clock::now() - start).count()});
}

}  // namespace postsearch
