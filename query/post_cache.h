// Stored posts of one index revision, decoded, kept for the searches that show them again
// (as Solr's document cache keeps stored fields): a hit's post is otherwise read from the
// B-tree, inflated (Xapian compresses document data with zlib) and decoded at every search
// that shows it, which was 14% of a search's instructions and a third of its reads. Matching
// and ranking are not cached: every search still runs in full.
//
// Bounded by bytes (an estimate of each post's strings); when full, the CLOCK policy drops a
// post not shown since the hand last passed it. The owner drops the whole cache with its
// revision (RevisionMemos), so a post is never shown as an older revision stored it.
//
// Errors: none. Ownership: posts are handed out as shared pointers to const, so a post
// dropped while a search uses it lives until that search is done. Threads: safe from any
// thread (one mutex; each call is a hash look-up or an insertion).
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "common/post.h"

namespace postsearch {

class PostCache {
 public:
  // Posts of docids from here on are not kept (the docid index is bounded at 16 MiB).
  static constexpr Xapian::docid kMaxDocid = 1U << 22;
  // Enough for every post of a 10,000-post site (about 50 MiB decoded, bench/README.md):
  // at 32 MiB, a load of distinct queries found few posts kept and inflated the rest.
  static constexpr std::size_t kDefaultBytes = std::size_t{128} << 20;

  explicit PostCache(std::size_t max_bytes = kDefaultBytes) : max_bytes_(max_bytes) {}

  // The post of document `docid`, or null when it is not kept.
  [[nodiscard]] std::shared_ptr<const StoredPost> find(Xapian::docid docid);
  // Whether document `docid`'s post is kept, without counting as showing it.
  [[nodiscard]] bool contains(Xapian::docid docid) const;

  // Keeps `post` as document `docid`'s, dropping others to make room; a post larger than
  // the whole budget is not kept.
  void insert(Xapian::docid docid, std::shared_ptr<const StoredPost> post);

  // Keeps `post` only if it fits beside the posts kept (warming: a post nobody asked for
  // never displaces one that was shown). False when it did not fit; true when it is kept,
  // or was already.
  bool insert_if_room(Xapian::docid docid, std::shared_ptr<const StoredPost> post);

  [[nodiscard]] std::size_t bytes() const;
  [[nodiscard]] std::size_t size() const;

  // What a post is counted as.
  [[nodiscard]] static std::size_t bytes_of(const StoredPost& post);

 private:
  struct Slot {
    Xapian::docid docid = 0;
    std::shared_ptr<const StoredPost> post;
    std::size_t bytes = 0;
    bool shown = false;  // since the hand last passed
  };

  void evict_one();
  enum class Room { kMake, kIfFree };  // whether other posts may be dropped for a new one
  bool insert_locked(Xapian::docid docid, std::shared_ptr<const StoredPost> post, std::size_t bytes,
                     Room room);

  mutable std::mutex mutex_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::vector<Slot> slots_;  // the clock; an empty slot has no post
  std::vector<std::size_t> free_;
  std::size_t hand_ = 0;
  // Slot + 1 by docid (0: not kept), grown to the largest docid kept: one read per look-up,
  // where a hash map cost several cache misses.
  std::vector<std::uint32_t> where_;
  std::size_t count_ = 0;
};

}  // namespace postsearch
