#include "query/request_check.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/schema.h"
#include "common/text.h"
#include "query/query_builder.h"

namespace postsearch {
namespace {

// What a value of a field with `check` should have been, or null when it is well formed.
const char* malformed(schema::ValueCheck check, const std::string& v) {
  switch (check) {
    case schema::ValueCheck::kAny:
      return nullptr;
    case schema::ValueCheck::kYear:
      return v.size() == 4 && std::all_of(v.begin(), v.end(), ::isdigit)
                 ? nullptr
                 : "expected a year such as 2023";
    case schema::ValueCheck::kMonth:
      return v.size() == 7 && v[4] == '-' && parse_date_bound(v, false)
                 ? nullptr
                 : "expected a month such as 2023-04";
  }
  return nullptr;
}

}  // namespace

bool is_language_code(const std::string& lang) {
  if (lang.size() > 35) return false;
  std::size_t part = 0;  // characters in the current subtag
  std::size_t parts = 0;
  for (const char c : lang + "-") {
    if (c == '-' || c == '_') {
      if (part == 0 || part > 8 || (parts == 0 && part > 3) || (parts == 0 && part < 2))
        return false;
      ++parts;
      part = 0;
    } else if (std::isalpha(static_cast<unsigned char>(c)) ||
               (parts > 0 && std::isdigit(static_cast<unsigned char>(c)))) {
      ++part;
    } else {
      return false;
    }
  }
  return true;
}

Diagnostics validate_request(const SearchRequest& r) {
  Diagnostics out;
  auto bad = [&](const char* field, const std::string& message) {
    out.push_back({Severity::kError, "", 0, 0, field, message});
  };
  if (r.page < 1 || r.page > kMaxPage)
    bad("page", "must be between 1 and " + std::to_string(kMaxPage));
  if (r.per_page < 1 || r.per_page > kMaxPerPage)
    bad("per_page", "must be between 1 and " + std::to_string(kMaxPerPage));
  if (r.facet_limit < 1 || r.facet_limit > kMaxFacetLimit)
    bad("facet_limit", "must be between 1 and " + std::to_string(kMaxFacetLimit));
  if (!r.after.empty() && !parse_date_bound(r.after, false))
    bad("after", "expected a date such as 2023, 2023-04 or 2023-04-05");
  if (!r.before.empty() && !parse_date_bound(r.before, false))
    bad("before", "expected a date such as 2023, 2023-04 or 2023-04-05");
  if (r.recency_half_life_days < 0 || !std::isfinite(r.recency_half_life_days))
    bad("recency", "must be a number of days, 0 or more");
  for (const auto& f : schema::kFilterFields) {
    for (const auto& v : r.values(f.filter)) {
      if (const char* expected = malformed(f.check, v))
        bad(f.name.data(), std::string(expected) + ", got '" + text::truncate_utf8(v, 40) + "'");
    }
  }
  for (const auto& site : r.sites) {
    if (site.empty() || site.size() > 64 || !std::all_of(site.begin(), site.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
        }))
      bad("site", "expected a site's name (A-Z a-z 0-9 . _ -), got '" +
                      text::truncate_utf8(site, 40) + "'");
  }
  if (!r.lang.empty() && !is_language_code(r.lang))
    bad("query_lang", "expected a language code such as en, de or pt-BR");
  if (r.q.size() > 16 * kMaxQueryBytes)
    bad("q", "longer than " + std::to_string(16 * kMaxQueryBytes) + " bytes");
  return out;
}

}  // namespace postsearch
