#include "query/revision_memos.h"

#include <utility>

#include "query/query_builder.h"

namespace postsearch {

template <typename T>
template <typename... Args>
std::shared_ptr<T> RevisionMemos::Memo<T>::at(const std::string& wanted, Args&&... args) {
  if (!value || wanted != revision) {
    value = std::make_shared<T>(std::forward<Args>(args)...);
    revision = wanted;
  }
  return value;
}

std::shared_ptr<const FacetTable> RevisionMemos::facet_table(const Xapian::Database& db,
                                                             const std::string& revision) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!table_ || revision != table_revision_) {
    table_ = FacetTable::build(db);
    table_revision_ = revision;
  }
  return table_;
}

std::shared_ptr<PostingCache> RevisionMemos::postings(const std::string& revision) {
  std::lock_guard<std::mutex> lock(mutex_);
  return postings_.at(revision);
}

std::shared_ptr<TermFrequencies> RevisionMemos::term_frequencies(const std::string& revision) {
  std::lock_guard<std::mutex> lock(mutex_);
  return frequencies_.at(revision);
}

std::shared_ptr<PostCache> RevisionMemos::posts(const std::string& revision) {
  if (post_cache_bytes_ == 0) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  return posts_.at(revision, post_cache_bytes_);
}

std::shared_ptr<CompletionMemo> RevisionMemos::completions(const std::string& revision) {
  std::lock_guard<std::mutex> lock(mutex_);
  return completions_.at(revision);
}

MemoUsage RevisionMemos::usage() {
  std::lock_guard<std::mutex> lock(mutex_);
  MemoUsage u;
  if (postings_.value) {
    u.posting_bitmaps = postings_.value->size();
    u.posting_bitmap_bytes = postings_.value->bytes();
  }
  if (posts_.value) {
    u.posts = posts_.value->size();
    u.post_bytes = posts_.value->bytes();
  }
  if (completions_.value) u.completions = completions_.value->size();
  if (frequencies_.value) u.term_frequencies = frequencies_.value->size();
  return u;
}

}  // namespace postsearch
