// Multi-select facet counts: for each facet field, how many matching posts carry each
// value, where a field's own selection is left out of its counts (so a search box can
// offer "add another tag" with true numbers) while the other fields' selections apply.
//
// Counts are exact: every match is visited once and its one facets value read (see
// encode_facets in common/document.h), or, over remote shards, where only Xapian's own
// serialisable spies run, one ValueCountMatchSpy per field counts each distinct value of the
// field's slot (for tags, authors and categories: each distinct list) and the lists are
// split here, which gives the same counts. Not thread-safe (uses the caller's Database).
#pragma once

#include <xapian.h>

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/schema.h"

#include "query/query_builder.h"
#include "query/search_types.h"

namespace postsearch {

class FacetTable;
class PostingCache;
class SpyRun;

struct FacetOptions {
  const FacetTable* table = nullptr;  // the open revision's facet values (faster), or null
  PostingCache* postings = nullptr;   // the open revision's posting bitmaps, or null
  bool serialisable = false;          // only Xapian's own spies (the index has remote shards)
  // Whether a match spy's documents carry the table's docids. Over local shards a spy sees
  // each document's docid in its own shard: it then reads the documents' facets values,
  // and the table serves only counting from the posting lists (counts_directly()).
  bool spies_use_table = true;
};

// Counts for one search. With a facet table and a query of the operators match_set.h
// handles (counts_directly()), each field is counted from the posting lists straight into
// the table: the matcher then needs to see only the page, and finish(..., -1) also knows
// the exact number of matches (matches()). Otherwise the fields without a selection share
// the search's own match set: attach shared_spy() to the run whose matches become the
// result (with check_at_least = doccount, so it sees every match), and pass its index to
// finish(), which then needs one more pass only per field with a selection. Not
// thread-safe.
class FacetCounter {
 public:
  FacetCounter(const SearchRequest& request, const ParsedQuery& parsed, FacetOptions options = {});
  ~FacetCounter();
  FacetCounter(const FacetCounter&) = delete;
  FacetCounter& operator=(const FacetCounter&) = delete;

  // Whether the matches of `query` (with its filters) are counted without a matcher pass.
  [[nodiscard]] bool counts_directly(const Xapian::Query& query) const;

  // Fresh spies to attach and their index, or {{}, -1} when no field needs the shared pass.
  [[nodiscard]] std::pair<std::vector<Xapian::MatchSpy*>, int> shared_spy();

  // `used`: the index of the spy that saw the result's matches, or -1 to count anew.
  [[nodiscard]] std::vector<Facet> finish(const Xapian::Database& db,
                                          const Xapian::Query& text_query, int used);

  // After finish(): the exact number of matches, when they were counted directly.
  [[nodiscard]] std::optional<Xapian::doccount> matches() const { return matches_; }

 private:
  const SearchRequest& request_;
  const ParsedQuery& parsed_;
  FacetOptions options_;
  std::vector<const schema::FacetField*> shared_;
  std::vector<const schema::FacetField*> selected_;
  std::vector<std::unique_ptr<SpyRun>> spies_;
  std::optional<Xapian::doccount> matches_;
};

}  // namespace postsearch
