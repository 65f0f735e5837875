#include "indexer/part_writer.h"

#include <algorithm>
#include <string>

#include "common/document.h"
#include "indexer/parallel.h"

namespace postsearch {

std::uint64_t part_commit_bytes(std::size_t writers) {
  constexpr std::uint64_t kBudget = 32ULL * 1024 * 1024;
  constexpr std::uint64_t kFloor = 1ULL * 1024 * 1024;
  return std::max(kFloor, kBudget / std::max<std::uint64_t>(1, writers));
}

PartWriter::PartWriter(std::filesystem::path dir, unsigned worker,
                       std::uint64_t commit_source_bytes)
    : dir_(std::move(dir)), worker_(worker), commit_source_bytes_(commit_source_bytes) {}

void PartWriter::add(const Post& post, std::uint64_t source_bytes) {
  if (!db_) {
    open();
  } else if (bytes_ >= commit_source_bytes_) {
    db_->commit();
    bytes_ = 0;
  }
  db_->add_document(builder_.build(post));
  bytes_ += source_bytes;
}

void PartWriter::finish() {
  if (db_) db_->commit();
  db_.reset();
}

void PartWriter::open() {
  part_ = dir_ / ("part-" + std::to_string(worker_));
  db_ = std::make_unique<Xapian::WritableDatabase>(
      part_->string(), Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
  bytes_ = 0;
}

void merge_parts(const std::vector<std::unique_ptr<PartWriter>>& writers,
                 const std::vector<std::filesystem::path>& targets,
                 const std::filesystem::path& work_dir, const MergeExtras& extras) {
  const std::size_t shards = targets.size();
  each_in_parallel(shards, [&](std::size_t k) {
    Xapian::Database parts;
    for (std::size_t w = k; w < writers.size(); w += shards) {
      if (const auto& p = writers[w]->part()) parts.add_database(Xapian::Database(p->string()));
    }
    const std::filesystem::path extra_dir = work_dir / ("extra-" + std::to_string(k));
    {
      Xapian::WritableDatabase extra(extra_dir.string(),
                                     Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
      extras(k, parts, extra);
      extra.commit();
    }
    parts.add_database(Xapian::Database(extra_dir.string()));
    parts.compact(targets[k].string(), Xapian::DBCOMPACT_MULTIPASS);
  });
}

void add_spelling_from_vocabulary(const Xapian::Database& from, Xapian::WritableDatabase& to) {
  for (auto t = from.allterms_begin(); t != from.allterms_end(); ++t) {
    const std::string term = *t;
    const std::string_view word = spelling_target(term);
    if (!word.empty()) to.add_spelling(std::string(word), t.get_termfreq());
  }
}

}  // namespace postsearch
