#include "indexer/incremental.h"

#include <algorithm>
#include <atomic>

#include "common/document.h"
#include "indexer/parallel.h"

namespace postsearch {
namespace {

// Recorded sources the listing no longer has, except those it could not see (an unreadable
// folder, a file it could not stat): their posts stay. Sorted. Both lists are sorted by rel:
// one pass over each.
std::vector<std::string> deleted_sources(const RunContext& run) {
  std::vector<std::string> failures = run.listing_failures;
  std::sort(failures.begin(), failures.end());
  std::vector<std::string> deleted;
  std::size_t s = 0;
  for (const RecordedFile& f : run.old_state.files()) {
    while (s < run.sources.size() && run.sources[s].file.rel < f.rel) ++s;
    if (s < run.sources.size() && run.sources[s].file.rel == f.rel) continue;
    if (std::binary_search(failures.begin(), failures.end(), f.rel)) continue;
    if (!run.unseen.under_unreadable(std::string(f.rel))) deleted.emplace_back(f.rel);
  }
  return deleted;
}

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

// Shards: a new generation in which the shards this run changes are copies, changed and
// committed, and the others are hard links of the live ones; then one stub swap publishes
// them together, so readers never see some shards changed and others not. Shard 0 is always
// rewritten: it holds the index-wide settings and the synonyms.
void write_shards(RunContext& run, const ChangeSet& changes) {
  const fs::path previous = *run.layout.live_generation();
  const std::vector<bool> touched = run.touched_shards(changes);
  run.layout.remove_stale_generations(previous);
  const fs::path gen = run.layout.next_generation();
  const DropUnpublished drop{run.layout, {}, gen};
  for (unsigned k = 0; k < run.shards; ++k) {
    if (touched[k]) {
      fs::create_directories(gen);
      fs::copy(shard_dir(previous, k), shard_dir(gen, k), fs::copy_options::recursive);
    } else {
      link_shard(shard_dir(previous, k), shard_dir(gen, k));
    }
  }
  run.phase("carry shards over");
  for (unsigned k = 0; k < run.shards; ++k) {
    if (!touched[k]) continue;
    Xapian::WritableDatabase db(shard_dir(gen, k).string(), Xapian::DB_OPEN);
    run.apply(db, changes, k);
    if (k == 0) write_synonyms(db, run.synonyms, stemmer_for(run.site.default_lang));
    db.commit();
    db.close();
  }
  run.phase("write changed shards");
  run.layout.publish(gen, run.shards);
  run.layout.remove_stale_generations(previous);
  run.summary.shards_written =
      static_cast<std::size_t>(std::count(touched.begin(), touched.end(), true));
}

}  // namespace

namespace {

// The sources whose size, mtime or inode differ from their recorded state, or that have none.
// Sources and recorded states are both sorted by rel: one pass over each.
std::vector<std::size_t> stat_changes(RunContext& run) {
  const std::vector<RecordedFile>& recorded = run.old_state.files();
  std::vector<std::size_t> differ;
  std::size_t r = 0;
  for (std::size_t i = 0; i < run.sources.size(); ++i) {
    const std::string& rel = run.sources[i].file.rel;
    while (r < recorded.size() && recorded[r].rel < rel) ++r;
    if (r < recorded.size() && recorded[r].rel == rel &&
        same_file(recorded[r].state, run.sources[i])) {
      ++run.summary.unchanged;
      ++run.done;
      continue;
    }
    differ.push_back(i);
  }
  return differ;
}

// Of `differ`, those to parse: content not recorded, or another hash, or recorded as
// skipped (a draft or a future post may be indexed now). The others (a checkout, a copy, a
// touch: same bytes) keep their document; only their recorded state moves.
std::vector<std::size_t> content_changes(RunContext& run, const std::vector<std::size_t>& differ) {
  std::vector<char> same(differ.size(), 0);
  std::atomic<std::size_t> hashed{0};  // run.done counts these once they are known unchanged
  parallel_for(
      {differ.size(), run.thread_count(), hashed}, [&] { run.report_progress(); },
      [&](unsigned, std::size_t k) {
        const std::size_t i = differ[k];
        const FileState* old = run.old_state.find(run.sources[i].file.rel);
        if (old == nullptr || old->status != 'i') return;
        same[k] = run.hash(i) && run.parsed[i].hash == old->hash ? 1 : 0;
      });
  std::vector<std::size_t> to_parse;
  for (std::size_t k = 0; k < differ.size(); ++k) {
    if (same[k] != 0) {
      run.parsed[differ[k]].status = ReadStatus::kIndexed;
      ++run.summary.unchanged;
      ++run.done;
    } else {
      to_parse.push_back(differ[k]);
    }
  }
  return to_parse;
}

}  // namespace

std::optional<ChangeSet> plan_incremental(RunContext& run) {
  run.changed.assign(run.sources.size(), false);
  const std::vector<std::size_t> differ = stat_changes(run);
  if (!differ.empty()) run.parsed = std::vector<Parsed>(run.sources.size());
  run.phase("compare with the recorded state");
  const std::vector<std::size_t> to_parse = content_changes(run, differ);
  if (!differ.empty()) run.phase("hash sources whose stat changed");
  if (to_parse.size() > run.options.incremental_limit) {
    run.summary.unchanged = 0;
    run.done = 0;
    return std::nullopt;
  }
  if (!to_parse.empty()) {
    parallel_for(
        {to_parse.size(), run.thread_count(), run.done}, [&] { run.report_progress(); },
        [&](unsigned, std::size_t k) { run.parse(to_parse[k]); });
    run.check_urls(to_parse);
    run.phase("parse changed sources");
  }
  ChangeSet changes;
  changes.deleted = deleted_sources(run);
  changes.writes = differ;  // each gets its new recorded state
  for (const std::size_t i : to_parse) {
    const FileState* old = run.old_state.find(run.sources[i].file.rel);
    Parsed& p = run.parsed[i];
    if (old != nullptr && p.status != ReadStatus::kFailed && old->hash == p.hash &&
        (p.status == ReadStatus::kIndexed) == (old->status == 'i')) {
      ++run.summary.unchanged;  // same content, same outcome: only the recorded stat moves
      p.post.reset();
      continue;
    }
    run.changed[i] = true;
    run.account(p, old != nullptr && old->status == 'i');
  }
  run.emit_diagnostics();
  run.summary.deleted = changes.deleted.size();
  return changes;
}

void write_local_changes(RunContext& run, const ChangeSet& changes) {
  if (run.shards > 1) {
    write_shards(run, changes);
    return;
  }
  // One database: changed in place, in one transaction (readers see all of it or none).
  Xapian::WritableDatabase db(run.layout.live_generation()->string(), Xapian::DB_OPEN);
  db.begin_transaction();
  run.apply(db, changes, std::nullopt);
  write_synonyms(db, run.synonyms, stemmer_for(run.site.default_lang));
  db.commit_transaction();
  run.phase("write changes");
}

}  // namespace postsearch
