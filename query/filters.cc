#include "query/filters.h"

#include <cmath>

namespace postsearch {
namespace {

using schema::Filter;

constexpr Filter kRequestFilters[] = {Filter::kTag,  Filter::kAuthor, Filter::kCategory,
                                      Filter::kYear, Filter::kMonth,  Filter::kLang,
                                      Filter::kType};

const std::vector<std::string>* request_values(const SearchRequest& r, Filter f) {
  switch (f) {
    case Filter::kTag:
      return &r.tags;
    case Filter::kAuthor:
      return &r.authors;
    case Filter::kCategory:
      return &r.categories;
    case Filter::kYear:
      return &r.years;
    case Filter::kMonth:
      return &r.months;
    case Filter::kLang:
      return &r.langs;
    case Filter::kType:
      return &r.types;
    case Filter::kId:
    case Filter::kUrl:
      break;
  }
  return nullptr;
}

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
  const auto* values = request_values(r, f);
  std::vector<std::string> out = values != nullptr ? *values : std::vector<std::string>{};
  if (f == Filter::kYear) out.insert(out.end(), parsed.years.begin(), parsed.years.end());
  return out;
}

Xapian::Query filter_query(const SearchRequest& r, const ParsedQuery& parsed,
                           std::optional<Filter> except) {
  std::vector<Xapian::Query> parts;
  for (const Filter f : kRequestFilters) {
    if (except && *except == f) continue;
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
