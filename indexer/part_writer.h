// The parallel partial-database writer of a rebuild: each parse worker writes its documents
// into partial databases of its own (no lock, no shared writer), and merge_parts() then
// compacts them into the generation's database or shards, so that the writing itself, not
// only the parsing, uses every core.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "common/document.h"
#include "common/post.h"

namespace postsearch {

// One worker's partial database, committed every `commit_source_bytes` of source so that
// memory stays bounded (see part_commit_bytes). One database per worker, not one per commit:
// merging parts copies each term's posting chunks as they are, so every extra part would split the
// posting list of every term it shares with another part (about 2 MiB of the 20 MiB posting table
// of a 10,000-page documentation site with four parts). Used by one thread at a time.
class PartWriter {
 public:
  PartWriter(std::filesystem::path dir, unsigned worker, std::uint64_t commit_source_bytes);

  void add(const Post& post, std::uint64_t source_bytes);
  // Commits and closes the part; call before merging.
  void finish();
  // The part's folder; none when no post was added.
  [[nodiscard]] const std::optional<std::filesystem::path>& part() const { return part_; }

 private:
  void open();

  std::filesystem::path dir_;
  unsigned worker_;
  std::uint64_t commit_source_bytes_;
  std::unique_ptr<Xapian::WritableDatabase> db_;
  DocumentBuilder builder_;  // spelling is added once, after the merge
  std::uint64_t bytes_ = 0;  // source bytes added since the last commit
  std::optional<std::filesystem::path> part_;
};

// How much source each of `writers` part writers takes in before it commits. Xapian holds a
// part's uncommitted documents in memory, about 25 bytes for each byte of Markdown, so the
// rebuild's whole budget (32 MiB of source, under 1 GiB of memory) is shared among the
// writers: with shards there are workers x shards of them, and a fixed amount each made a
// 1,000,000-post rebuild into 8 shards hold 7.3 GiB. At least 1 MiB each.
[[nodiscard]] std::uint64_t part_commit_bytes(std::size_t writers);

// What a merged database holds beside the parts' documents: written by the callback into
// `extra`, an empty database, from `parts` (every part of the target, as one database), and
// merged with them, so that nothing is written after the compaction (a write to a compacted
// database splits its full blocks).
using MergeExtras = std::function<void(std::size_t target, const Xapian::Database& parts,
                                       Xapian::WritableDatabase& extra)>;

// Merges the parts of writers[k], writers[k + shards], ... and the extras written for
// target k into targets[k], for each of the `shards` targets in parallel
// (Xapian::Database::compact). `work_dir` holds the extras meanwhile.
void merge_parts(const std::vector<std::unique_ptr<PartWriter>>& writers,
                 const std::vector<std::filesystem::path>& targets,
                 const std::filesystem::path& work_dir, const MergeExtras& extras);

// Spelling data ("did you mean") from the vocabulary of `from` into `to`: each term's
// spelling_target(), with the number of posts that have the term; one pass over the
// words instead of one call per word occurrence while indexing (which cost about a fifth of
// the time).
void add_spelling_from_vocabulary(const Xapian::Database& from, Xapian::WritableDatabase& to);

}  // namespace postsearch
