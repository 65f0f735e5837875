#include "indexer/rebuild.h"

#include <algorithm>
#include <memory>

#include "common/document.h"
#include "indexer/parallel.h"
#include "indexer/part_writer.h"

namespace postsearch {
namespace {

// The merged databases of `gen`: the generation itself, or its shard folders.
std::vector<fs::path> merge_targets(const fs::path& gen, unsigned shards) {
  if (shards == 1) return {gen};
  fs::create_directories(gen);
  std::vector<fs::path> targets;
  for (unsigned k = 0; k < shards; ++k) targets.push_back(shard_dir(gen, k));
  return targets;
}

// The generation a rebuild writes: its directory, the folder of its partial databases and
// the live generation it replaces (none on a first run).
struct NewGeneration {
  fs::path dir;
  fs::path parts_dir;
  std::optional<fs::path> previous;
};

void merge_and_publish(RunContext& run, const std::vector<std::unique_ptr<PartWriter>>& writers,
                       const NewGeneration& generation) {
  const auto& [gen, parts_dir, previous] = generation;
  const std::vector<fs::path> targets = merge_targets(gen, run.shards);
  const std::vector<std::vector<std::size_t>> items = run.items_by_shard();
  // Spelling data, synonyms (shard 0) and recorded state go in with the compaction; the
  // shards' threads then share the options hash, made here once.
  (void)run.options_hash();
  merge_parts(writers, targets, parts_dir,
              [&](std::size_t k, const Xapian::Database& parts, Xapian::WritableDatabase& extra) {
                add_spelling_from_vocabulary(parts, extra);
                if (k == 0) write_synonyms(extra, run.synonyms, stemmer_for(run.site.default_lang));
                run.write_state(extra, items[k], {}, static_cast<unsigned>(k));
              });
  fs::remove_all(parts_dir);
  run.phase("spelling data, state and merge (compact)");
  run.layout.publish(gen, run.shards);
  run.layout.remove_stale_generations(previous);
  run.phase("publish");
}

}  // namespace

void rebuild_local(RunContext& run) {
  run.refuse_rebuild_with_unreadable_folders();
  run.summary.rebuilt = true;
  run.changed.assign(run.sources.size(), true);
  run.parsed = std::vector<Parsed>(run.sources.size());
  run.load_output();
  const bool dry_run = run.options.dry_run;
  const auto previous = run.layout.live_generation();
  if (!dry_run) run.layout.remove_stale_generations(previous);
  const fs::path gen = run.layout.next_generation();
  const fs::path parts_dir = gen.string() + ".parts";
  const unsigned threads = std::max(
      1U, std::min<unsigned>(run.thread_count(), static_cast<unsigned>(run.sources.size())));
  // Declared before the writers, so that they are closed first.
  const DropUnpublished drop{run.layout, parts_dir, gen};
  std::vector<std::unique_ptr<PartWriter>> writers;
  if (!dry_run) fs::create_directories(parts_dir);
  // One writer per worker and shard: writers[w * shards + shard].
  const unsigned parts = threads * run.shards;
  for (unsigned w = 0; w < parts; ++w)
    writers.push_back(std::make_unique<PartWriter>(parts_dir, w, part_commit_bytes(parts)));
  parallel_for(
      {run.sources.size(), threads, run.done}, [&] { run.report_progress(); },
      [&](unsigned w, std::size_t i) {
        run.parse(i);
        Parsed& p = run.parsed[i];
        if (p.post && !dry_run)
          writers[w * run.shards + run.shard_of_source(i)]->add(*p.post, p.bytes);
        p.post.reset();
      });
  for (const Parsed& p : run.parsed) run.account(p, false);
  run.emit_diagnostics();
  if (dry_run) return;
  run.phase("parse and write parts");
  each_in_parallel(writers.size(), [&](std::size_t w) { writers[w]->finish(); });
  run.phase("commit parts");
  merge_and_publish(run, writers, {gen, parts_dir, previous});
}

}  // namespace postsearch
