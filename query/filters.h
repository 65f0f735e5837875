// A request's filters as Xapian queries: OR within a field, AND across fields, plus the
// date range. Shared by the searcher and the facet counter. Pure functions.
#pragma once

#include <xapian.h>

#include <optional>
#include <string>
#include <vector>

#include "common/schema.h"
#include "query/query_builder.h"
#include "query/search_types.h"

namespace postsearch {

// The values a request selects for a filter field (years include the query's year:).
[[nodiscard]] std::vector<std::string> selected_values(const SearchRequest& request,
                                                       const ParsedQuery& parsed,
                                                       schema::Filter filter);

// Every filter of the request; `except` leaves one field out (multi-select facets).
// Empty when the request filters nothing.
[[nodiscard]] Xapian::Query filter_query(const SearchRequest& request, const ParsedQuery& parsed,
                                         std::optional<schema::Filter> except);

[[nodiscard]] Xapian::Query with_filters(const Xapian::Query& text, const Xapian::Query& filters);

}  // namespace postsearch
