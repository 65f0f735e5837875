#include "query/post_cache.h"

#include <algorithm>
#include <utility>

namespace postsearch {

std::size_t PostCache::bytes_of(const StoredPost& post) {
  auto strings = [](const std::vector<std::string>& v) {
    std::size_t n = v.capacity() * sizeof(std::string);
    for (const auto& s : v) n += s.capacity();
    return n;
  };
  std::size_t n = sizeof(StoredPost) + post.id.capacity() + post.url.capacity() +
                  post.title.capacity() + post.date_text.capacity() + post.lang.capacity() +
                  post.description.capacity() + strings(post.authors) + strings(post.tags) +
                  strings(post.categories) + post.sections.capacity() * sizeof(Section);
  for (const auto& s : post.sections)
    n += s.heading.capacity() + s.anchor.capacity() + s.text.capacity();
  return n + 64;  // the map's node and the control block, roughly
}

std::shared_ptr<const StoredPost> PostCache::find(Xapian::docid docid) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (docid >= where_.size() || where_[docid] == 0) return nullptr;
  Slot& slot = slots_[where_[docid] - 1];
  slot.shown = true;
  return slot.post;
}

bool PostCache::contains(Xapian::docid docid) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return docid < where_.size() && where_[docid] != 0;
}

void PostCache::evict_one() {
  // The hand clears the mark of each post shown since it last passed, and drops the first
  // post it finds unmarked.
  while (true) {
    if (hand_ >= slots_.size()) hand_ = 0;
    Slot& slot = slots_[hand_++];
    if (!slot.post) continue;
    if (slot.shown) {
      slot.shown = false;
      continue;
    }
    where_[slot.docid] = 0;
    --count_;
    bytes_ -= slot.bytes;
    slot = Slot{};
    free_.push_back(hand_ - 1);
    return;
  }
}

void PostCache::insert(Xapian::docid docid, std::shared_ptr<const StoredPost> post) {
  const std::size_t bytes = bytes_of(*post);
  std::lock_guard<std::mutex> lock(mutex_);
  insert_locked(docid, std::move(post), bytes, Room::kMake);
}

bool PostCache::insert_if_room(Xapian::docid docid, std::shared_ptr<const StoredPost> post) {
  const std::size_t bytes = bytes_of(*post);
  std::lock_guard<std::mutex> lock(mutex_);
  return insert_locked(docid, std::move(post), bytes, Room::kIfFree);
}

bool PostCache::insert_locked(Xapian::docid docid, std::shared_ptr<const StoredPost> post,
                              std::size_t bytes, Room room) {
  if (bytes > max_bytes_ || docid >= kMaxDocid) return false;
  if (docid < where_.size() && where_[docid] != 0) return true;
  if (room == Room::kIfFree && bytes_ + bytes > max_bytes_) return false;
  while (bytes_ + bytes > max_bytes_) evict_one();
  std::size_t index = slots_.size();
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    slots_.emplace_back();
  }
  slots_[index] = Slot{docid, std::move(post), bytes, false};
  if (docid >= where_.size())
    where_.resize(
        std::min<std::size_t>(std::max<std::size_t>(docid + 1, where_.size() * 2), kMaxDocid));
  where_[docid] = static_cast<std::uint32_t>(index + 1);
  ++count_;
  bytes_ += bytes;
  return true;
}

std::size_t PostCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

std::size_t PostCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

}  // namespace postsearch
