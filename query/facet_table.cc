#include "query/facet_table.h"

#include <unordered_map>

namespace postsearch {

std::shared_ptr<const FacetTable> FacetTable::build(const Xapian::Database& db) {
  auto table = std::make_shared<FacetTable>();
  const Xapian::docid last = db.get_lastdocid();
  table->offsets_.assign(static_cast<std::size_t>(last) + 2, 0);
  std::unordered_map<std::string, std::uint32_t> interned[kFields];
  std::vector<std::uint8_t> fields;  // the field of each entry of ids_, until bases_ are known
  Xapian::docid next = 1;            // offsets of documents without a facets value stay empty
  for (auto v = db.valuestream_begin(schema::kSlotFacets);
       v != db.valuestream_end(schema::kSlotFacets); ++v) {
    const Xapian::docid docid = v.get_docid();
    for (; next <= docid; ++next)
      table->offsets_[next] = static_cast<std::uint32_t>(table->ids_.size());
    const std::string value = *v;
    std::string_view rest(value);
    for (std::size_t field = 0; field < kFields && !rest.empty(); ++field) {
      const std::size_t end = rest.find(schema::kFieldSeparator);
      std::string_view values = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!values.empty()) {
        const std::size_t sep = values.find(schema::kListSeparator);
        const std::string one(values.substr(0, sep));
        values = sep == std::string_view::npos ? std::string_view() : values.substr(sep + 1);
        if (one.empty()) continue;
        auto [it, added] = interned[field].emplace(one, table->names_[field].size());
        if (added) table->names_[field].push_back(one);
        fields.push_back(static_cast<std::uint8_t>(field));
        table->ids_.push_back(it->second);
      }
    }
  }
  for (; next <= last + 1; ++next)
    table->offsets_[next] = static_cast<std::uint32_t>(table->ids_.size());
  for (std::size_t field = 0; field < kFields; ++field) {
    table->bases_[field + 1] =
        table->bases_[field] + static_cast<std::uint32_t>(table->names_[field].size());
  }
  for (std::size_t i = 0; i < table->ids_.size(); ++i) table->ids_[i] += table->bases_[fields[i]];
  table->all_.assign(table->total_values(), 0);
  for (Xapian::docid d = 1; d <= last; ++d) table->count(d, table->all_.data());
  return table;
}

}  // namespace postsearch
