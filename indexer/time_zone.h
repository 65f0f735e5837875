// The time zone a generator places a post's dates in: the site's configured zone (Jekyll
// `timezone:`, Hugo `timeZone`) or, for Jekyll without one, the zone of the machine that
// builds (the TZ variable, else /etc/localtime), as Ruby's Time does. Backed by the
// system's tz database (/usr/share/zoneinfo) through Howard Hinnant's date/tz library.
// A TimeZone is a small value; safe to use from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "indexer/permalink.h"

namespace date {
class time_zone;
}

namespace postsearch {

class TimeZone {
 public:
  TimeZone() = default;  // UTC

  // An IANA zone ("Asia/Tokyo", "UTC"); empty when the tz database does not know it.
  [[nodiscard]] static std::optional<TimeZone> named(std::string_view name);

  // The machine's zone as the C library reads it: `tz_variable` is the TZ variable's
  // value (nullptr when unset: /etc/localtime). A leading ':' is dropped; a value that is
  // not a zone name ("JST-9") is empty.
  [[nodiscard]] static std::optional<TimeZone> of_machine(const char* tz_variable);

  // "Asia/Tokyo"; "UTC" for the default.
  [[nodiscard]] std::string name() const;

  // Seconds east of UTC in force at `epoch`.
  [[nodiscard]] int offset_at(std::int64_t epoch) const;

  // The instant of a wall-clock time in this zone. A time skipped by a change to summer
  // time is read with the offset before the change; a time that occurs twice, as the
  // first one (as the C library's mktime does for Ruby).
  [[nodiscard]] std::int64_t epoch_of(const LocalDate& local) const;

  // The wall-clock time in this zone at `epoch`.
  [[nodiscard]] LocalDate local_at(std::int64_t epoch) const;

 private:
  explicit TimeZone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_ = nullptr;  // owned by the library's tz database; null: UTC
};

}  // namespace postsearch
