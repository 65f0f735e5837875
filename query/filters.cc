#include "query/filters.h"

#include <cmath>

namespace postsearch {
namespace {

using schema::Filter;

Xapian::Query date_query(const SearchRequest& r, const ParsedQuery& parsed) {
  DateRange dates = parsed.dates;
  if (!r.after.empty()) dates.from = parse_date_bound(r.after, false);
  if (!r.before.empty()) dates.to = parse_date_bound(r.before, false);
  const auto slot = schema::kSlotDate;
  if (dates.from && dates.to) {
    return {Xapian::Query::OP_VALUE_RANGE, slot, Xapian::sortable_serialise(*dates.from),
            Xapian::sortable_serialise(std::nextafter(*dates.to, 0.0))};
  }
  if (dates.from)
    return {Xapian::Query::OP_VALUE_GE, slot, Xapian::sortable_serialise(*dates.from)};
  if (dates.to)
    return {Xapian::Query::OP_VALUE_LE, slot,
            Xapian::sortable_serialise(std::nextafter(*dates.to, 0.0))};
  return {};
}

}  // namespace

std::vector<std::string> selected_values(const SearchRequest& r, const ParsedQuery& parsed,
                                         Filter f) {
  std::vector<std::string> out = r.values(f);
  if (f == Filter::kYear) out.insert(out.end(), parsed.years.begin(), parsed.years.end());
  return out;
}

Xapian::Query filter_query(const SearchRequest& r, const ParsedQuery& parsed,
                           std::optional<Filter> except) {
  std::vector<Xapian::Query> parts;
  for (const auto& field : schema::kFilterFields) {
    const Filter f = field.filter;
    if (!field.requested || (except && *except == f)) continue;
    const std::vector<std::string> values = selected_values(r, parsed, f);
    if (values.empty()) continue;
    std::vector<Xapian::Query> terms;
    for (const auto& v : values) terms.emplace_back(schema::filter_term(f, v));
    parts.emplace_back(Xapian::Query::OP_OR, terms.begin(), terms.end());
  }
  if (Xapian::Query dates = date_query(r, parsed); !dates.empty()) parts.push_back(dates);
  if (parts.empty()) return {};
  return {Xapian::Query::OP_AND, parts.begin(), parts.end()};
}

Xapian::Query with_filters(const Xapian::Query& text, const Xapian::Query& filters) {
  if (filters.empty()) return text;
  return {Xapian::Query::OP_FILTER, text, filters};
}

}  // namespace postsearch
