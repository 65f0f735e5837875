// What the index records about each source file (size, mtime, inode, content hash, outcome),
// so that a run tells an unchanged source by one stat() and reads nothing else of it.
//
// Each database (each shard) keeps the states of its sources in one metadata value,
// schema::kMetaSourceTable: a binary table sorted by path, read with one lookup (format in
// docs/ARCHITECTURE.md, "Recorded state"). Indexes written before it hold one value a source
// (schema::kMetaSourcePrefix + path, text "size mtime_ns hash status inode"); those are read
// too, override the table, and are deleted by the next write. Pure data; not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

struct FileState {
  std::uint64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t hash = 0;
  char status = 'i';        // 'i': indexed as a document; 's': skipped (draft, search: false, ...)
  std::uint64_t inode = 0;  // 0: not recorded
};

struct RecordedFile {
  std::string_view rel;  // relative path of the source, '/' separated
  FileState state;
};

// `files`, sorted by rel with no rel twice, as a table for schema::kMetaSourceTable.
[[nodiscard]] std::string encode_state_table(const std::vector<RecordedFile>& files);

// The one-value-a-source text encoding of indexes written before the table; nullopt when
// `text` is not one (the source is then parsed again).
[[nodiscard]] std::optional<FileState> decode_legacy_state(std::string_view text);

// The recorded states of a run's databases, sorted by rel.
class RecordedStates {
 public:
  // Adds a table read from a database; false (nothing added) when it is not a table this
  // version wrote, or when `accept` (if given) refuses one of its paths. A source recorded
  // twice keeps the state added last.
  [[nodiscard]] bool add_table(std::string_view table,
                               const std::function<bool(std::string_view rel)>& accept = {});
  // Adds one source's state in the legacy encoding; false when it is not one.
  bool add_legacy(std::string_view rel, std::string_view text);
  // Call after the last add_legacy() of a database, before find() or iterating.
  void finish_legacy();

  // The state recorded for `rel`, or nullptr (binary search).
  [[nodiscard]] const FileState* find(std::string_view rel) const;
  [[nodiscard]] const std::vector<RecordedFile>& files() const { return files_; }
  [[nodiscard]] std::size_t size() const { return files_.size(); }
  void clear();

 private:
  // Merges files_[from, end) (sorted) into files_[0, from) (sorted); equal rels keep the later.
  void merge_from(std::size_t from);

  std::deque<std::string> bytes_;  // what the views of files_ point into (never moved)
  std::vector<RecordedFile> files_;
  std::size_t legacy_from_ = 0;  // where the legacy states being added begin
  bool adding_legacy_ = false;
};

}  // namespace postsearch
