// The on-disk layout of an index directory, shared by the indexer and the searcher.
//
//   INDEX_DIR/XAPIANDB      a Xapian stub file naming the live generation ("glass gen-000007");
//                           readers (and any Xapian tool) open INDEX_DIR and get it
//   INDEX_DIR/gen-NNNNNN/   glass databases; a full rebuild writes a new one and then
//                           swaps the stub atomically (rename), so readers never see a mix
//   INDEX_DIR/gen-NNNNNN/shard-K/  with `indexer --shards N`: one glass database per shard,
//                           and the stub lists them all ("glass gen-NNNNNN/shard-0", one a
//                           line), so that Xapian (and any Xapian tool) opens them as one
//   INDEX_DIR/live          a symbolic link to the live generation, for replication
//   or, with `indexer --remote-shard HOST:PORT ...`, a stub of "remote HOST:PORT" lines and
//   no generations: the shards live behind `xapian-tcpsrv --writable` (docs/SCALING.md)
//   INDEX_DIR/.lock         held with flock() by the one indexer writing this index
//
// Errors: I/O failures throw std::runtime_error naming the path. Not thread-safe; the
// functions are stateless apart from the file system.
#pragma once

#include <xapian.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace postsearch {

namespace fs = std::filesystem;

class IndexLayout {
 public:
  explicit IndexLayout(fs::path dir);

  [[nodiscard]] const fs::path& dir() const { return dir_; }
  [[nodiscard]] fs::path stub_path() const { return dir_ / "XAPIANDB"; }

  // The live generation's directory, or nullopt when the index has never been published.
  [[nodiscard]] std::optional<fs::path> live_generation() const;

  // The live databases the stub lists: the generation itself, or its shards in order.
  // Empty when the index has never been published.
  [[nodiscard]] std::vector<fs::path> live_shards() const;

  // A fresh, empty generation directory name (not yet created) after every existing one.
  [[nodiscard]] fs::path next_generation() const;

  // Atomically points the stub at `generation` (write a temporary file, fsync, rename):
  // at the generation itself when `shards` is 1, else at its shard-0 ... shard-(N-1).
  // INDEX_DIR/live, a symbolic link, then names the generation too: a stable name for
  // xapian-replicate-server to serve (docs/SCALING.md).
  void publish(const fs::path& generation, unsigned shards = 1) const;

  // Atomically makes the stub list remote shards only: "remote HOST:PORT", one a line.
  void publish_remote(const std::vector<std::string>& addresses) const;

  // Removes generation directories other than the live one and `keep` (the previous
  // one, which readers may still have open), and stray temporary files.
  void remove_stale_generations(const std::optional<fs::path>& keep) const;

 private:
  void write_stub(const std::string& text) const;

  fs::path dir_;
};

// One database line of a stub file: its type ("glass", "auto", "remote") and where it is.
struct StubEntry {
  std::string type;
  std::string where;
};

// The database lines of a stub's text, comments skipped (xapian-replicate writes one).
[[nodiscard]] std::vector<StubEntry> parse_stub(const std::string& text);
// The text of INDEX_DIR/XAPIANDB; empty when there is none.
[[nodiscard]] std::string read_stub_text(const fs::path& index_dir);
// parse_stub(read_stub_text(index_dir)).
[[nodiscard]] std::vector<StubEntry> read_stub(const fs::path& index_dir);

// A remote shard's address, "HOST:PORT" as a stub's `remote` line has it.
struct RemoteAddress {
  std::string host;
  unsigned port = 0;
};
// What is wrong with a remote shard's address, or nullopt when it is "HOST:PORT".
[[nodiscard]] std::optional<std::string> remote_address_problem(const std::string& where);
// Splits "HOST:PORT"; throws std::runtime_error starting with `context` when it is not one.
[[nodiscard]] RemoteAddress parse_remote_address(const std::string& where,
                                                 const std::string& context);

// The directory of shard `k` in a sharded generation.
[[nodiscard]] fs::path shard_dir(const fs::path& generation, unsigned k);

// The shard a post belongs to: a stable hash (FNV-1a) of its id, modulo `shards`.
[[nodiscard]] unsigned shard_of(std::string_view post_id, unsigned shards);

// An exclusive, non-blocking lock on INDEX_DIR/.lock held for the object's lifetime.
class WriterLock {
 public:
  // Throws std::runtime_error "another indexer (pid N) is writing INDEX_DIR" when held.
  explicit WriterLock(const fs::path& index_dir);
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  int fd_ = -1;
};

// An index given as a list of shards (flags or a config file) instead of a directory:
// "tcp://HOST:PORT" for a shard served by xapian-tcpsrv, or the path of a local database
// (a shard, an index directory, a replica). Writes a stub listing them into a private
// temporary directory, which opens like any index directory; removed with the object.
// Throws std::runtime_error naming the entry that is neither.
class ShardList {
 public:
  explicit ShardList(const std::vector<std::string>& shards);
  ~ShardList();
  ShardList(const ShardList&) = delete;
  ShardList& operator=(const ShardList&) = delete;
  [[nodiscard]] const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

// One site of several searched as one (query/federation.h, docs/federation.md): its name in
// hits, facets and filters, its index directory (one database, local shards or remote ones,
// as published by its own indexer), the URL its links are made absolute to, and a factor
// on its posts' scores.
struct SiteIndex {
  std::string name;  // [A-Za-z0-9._-], at most 64 bytes
  fs::path index;
  std::string url;     // "https://docs.example.org"; empty: the URL its index records
  double boost = 1.0;  // > 0; 1 ranks as one index of every site's posts would
};

// How to open an index whose stub lists remote shards ("remote HOST:PORT" lines, served by
// xapian-tcpsrv; see docs/SCALING.md), or several sites' indexes as one.
struct OpenOptions {
  // true: leave out remote shards that cannot be reached (the result says which);
  // false: fail when any shard is unreachable.
  bool partial = false;
  unsigned remote_timeout_ms = 10000;  // per request and for connecting
  // Not empty: these sites' indexes are searched as one (query/federation.h), and the index
  // directory a searcher is given is not read.
  std::vector<SiteIndex> sites;
};

struct OpenedIndex {
  Xapian::Database db;
  bool remote = false;               // some shard is remote
  std::vector<std::string> missing;  // shards left out ("remote HOST:PORT"), with `partial`
};

// Opens INDEX_DIR for searching and checks the schema version recorded in it.
// Throws std::runtime_error with a message that says to re-index when the index is
// missing, unreadable or of another schema version; Xapian::NetworkError when a remote
// shard cannot be reached (or every one, with `partial`).
[[nodiscard]] OpenedIndex open_index_for_reading(const fs::path& index_dir,
                                                 const OpenOptions& options = {});

// Returns an empty string when `db` carries this build's schema version, else a message.
[[nodiscard]] std::string schema_mismatch(const Xapian::Database& db, const fs::path& index_dir);

}  // namespace postsearch
