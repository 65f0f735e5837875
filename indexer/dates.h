// Dates as site owners write them in front matter and file names: "2024-03-05",
// "2024-03-05 10:20", "2024-03-05 10:20:30 +0100", "2024-03-05T10:20:30Z",
// "2024-03-05T10:20:30.123+01:00". Impossible dates ("2017-02-30", "0000-00-00") are
// rejected. Pure functions; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/permalink.h"
#include "indexer/time_zone.h"

namespace postsearch {

struct ParsedDate {
  LocalDate local;         // the calendar fields as written (used for URLs)
  int offset_minutes = 0;  // UTC offset as written; 0 when none was given
  bool has_offset = false;
  std::int64_t epoch = 0;  // seconds since the epoch, UTC (local minus offset)

  // "2024-03-05T10:20:30+01:00" (or "...Z" when no offset was written).
  [[nodiscard]] std::string iso8601() const;
};

[[nodiscard]] std::optional<ParsedDate> parse_date(std::string_view text);

// A date as Ruby's Time.parse (Jekyll's Utils.parse_date) reads text parse_date refuses:
// the first YYYY-MM-DD, the first HH:MM[:SS] after it and a UTC offset (+0800, -08:00, Z,
// UTC, GMT) right after the time, other words ignored: "2023-01-29 18:30:22 2023 -0800" is
// 18:30:22 with no offset (the zone's time). Ruby's named and military zones ("PST", "X")
// are not read. Empty when there is no date.
[[nodiscard]] std::optional<ParsedDate> parse_date_as_ruby(std::string_view text);

// How a generator places a date it read in its time zone.
struct DatePlacement {
  TimeZone zone;  // the site's zone (see SiteConfig::time_zone)
  // Jekyll (Ruby's Time#localtime): every date is shown as the zone's wall-clock time,
  // whatever offset it was written with. Hugo: a date keeps the offset it was written with.
  bool convert_to_zone = true;
  // Read a date written without an offset as UTC rather than as the zone's time (Ruby's
  // YAML does so for an unquoted "2024-01-02 10:20:30").
  bool unzoned_is_utc = false;
};

// `written` as the generator places it: its instant, its calendar fields (which URLs and
// the year facet use) and its offset, always set (has_offset is true).
[[nodiscard]] ParsedDate place_date(const ParsedDate& written, const DatePlacement& placement);

// The "YYYY-MM-DD-" prefix of a Jekyll post file name, and the rest after it.
struct FileNameDate {
  std::optional<ParsedDate> date;  // empty when the prefix is not a real date
  std::string rest;                // "my-post" from "2024-03-05-my-post"
  bool has_prefix = false;         // the name has the shape, even when the date is impossible
};
[[nodiscard]] FileNameDate parse_file_name_date(std::string_view stem);

}  // namespace postsearch
