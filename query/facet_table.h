// Facet values of every post, decoded once per index revision: for each document id, the
// small integer ids of its tags, authors, categories, year, month, language and type.
// Counting facets over a large match set then costs an array walk per match instead of
// reading and splitting the document's facets value (see encode_facets in
// common/document.h).
//
// Ownership: a FacetTable is immutable and shared (std::shared_ptr<const FacetTable>);
// query/revision_memos.h keeps the one of the revision a service has open.
// Threads: read-only after build().
// Errors: Xapian exceptions from reading the index propagate (DatabaseModifiedError
// included: the caller's retry reopens and asks again).
#pragma once

#include <xapian.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/schema.h"

namespace postsearch {

class FacetTable {
 public:
  static constexpr std::size_t kFields = schema::kFacetFields.size();

  [[nodiscard]] static std::shared_ptr<const FacetTable> build(const Xapian::Database& db);

  // Adds one to counts[base(field) + value id] for each facet value of `docid`, whatever
  // its field: `counts` has total_values() entries. Counting the fields not asked for too
  // keeps the loop free of branches; it runs for every match of a search.
  void count(Xapian::docid docid, std::uint32_t* counts) const {
    if (docid + 1 >= offsets_.size()) return;
    for (std::uint32_t i = offsets_[docid]; i < offsets_[docid + 1]; ++i) ++counts[ids_[i]];
  }
  // Subtracts what count() adds.
  void uncount(Xapian::docid docid, std::uint32_t* counts) const {
    if (docid + 1 >= offsets_.size()) return;
    for (std::uint32_t i = offsets_[docid]; i < offsets_[docid + 1]; ++i) --counts[ids_[i]];
  }
  // What count() gives over every document of the index (total_values() entries): a match
  // set holding most documents is counted as these less its absent documents.
  [[nodiscard]] const std::vector<std::uint32_t>& every_document() const { return all_; }
  [[nodiscard]] Xapian::docid last_docid() const {
    return static_cast<Xapian::docid>(offsets_.size() - 2);
  }
  [[nodiscard]] std::size_t total_values() const { return bases_[kFields]; }
  [[nodiscard]] std::size_t base(std::size_t field) const { return bases_[field]; }
  [[nodiscard]] std::size_t value_count(std::size_t field) const { return names_[field].size(); }
  [[nodiscard]] const std::string& name(std::size_t field, std::uint32_t id) const {
    return names_[field][id];
  }

 private:
  std::vector<std::uint32_t> offsets_;  // docid -> first entry in ids_; size lastdocid + 2
  // Each value of each document as its place among the counts: base(field) + value id, so
  // that counting a match is one increment per value.
  std::vector<std::uint32_t> ids_;
  std::vector<std::string> names_[kFields];
  std::array<std::uint32_t, kFields + 1> bases_{};  // where each field's counts start
  std::vector<std::uint32_t> all_;                  // count() over every document
};

}  // namespace postsearch
