// Multi-select facet counts: for each facet field, how many matching posts carry each
// value, where a field's own selection is left out of its counts (so a search box can
// offer "add another tag" with true numbers) while the other fields' selections apply.
//
// Counts are exact: every match is visited once and its one facets value read (see
// encode_facets in common/document.h). Not thread-safe (uses the caller's Database).
#pragma once

#include <xapian.h>

#include <memory>
#include <utility>
#include <vector>

#include "common/schema.h"

#include "query/query_builder.h"
#include "query/search_types.h"

namespace postsearch {

class FacetSpy;
class FacetTable;

// Counts for one search. The fields without a selection share the search's own match
// set: attach shared_spy() to the run whose matches become the result (with
// check_at_least = doccount, so it sees every match), and pass its index to finish(),
// which then needs one more pass only per field with a selection. Not thread-safe.
class FacetCounter {
 public:
  // `table`: the facet values of the open revision (faster), or null to read each match's.
  FacetCounter(const SearchRequest& request, const ParsedQuery& parsed,
               const FacetTable* table = nullptr);
  ~FacetCounter();
  FacetCounter(const FacetCounter&) = delete;
  FacetCounter& operator=(const FacetCounter&) = delete;

  // A fresh spy and its index, or {nullptr, -1} when no field needs the shared pass.
  [[nodiscard]] std::pair<Xapian::MatchSpy*, int> shared_spy();

  // `used`: the index of the spy that saw the result's matches, or -1 to count anew.
  [[nodiscard]] std::vector<Facet> finish(const Xapian::Database& db,
                                          const Xapian::Query& text_query, int used);

 private:
  const SearchRequest& request_;
  const ParsedQuery& parsed_;
  const FacetTable* table_;
  std::vector<const schema::FacetField*> shared_;
  std::vector<const schema::FacetField*> selected_;
  std::vector<std::unique_ptr<FacetSpy>> spies_;
};

}  // namespace postsearch
