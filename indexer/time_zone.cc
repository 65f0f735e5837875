#include "indexer/time_zone.h"

#include <date/tz.h>

#include <stdexcept>

namespace postsearch {
namespace {

using Seconds = std::chrono::seconds;

date::local_seconds local_seconds_of(const LocalDate& d) {
  return date::local_seconds{Seconds{utc_seconds(d)}};
}

LocalDate local_date_of(std::int64_t seconds_since_epoch) {
  const date::sys_seconds t{Seconds{seconds_since_epoch}};
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<Seconds> time{t - day};
  return {static_cast<int>(ymd.year()),
          static_cast<int>(unsigned(ymd.month())),
          static_cast<int>(unsigned(ymd.day())),
          static_cast<int>(time.hours().count()),
          static_cast<int>(time.minutes().count()),
          static_cast<int>(time.seconds().count())};
}

}  // namespace

std::optional<TimeZone> TimeZone::named(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC") return TimeZone{};
  try {
    return TimeZone{date::locate_zone(name)};
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

std::optional<TimeZone> TimeZone::of_machine(const char* tz_variable) {
  if (tz_variable == nullptr) {
    try {
      return TimeZone{date::current_zone()};
    } catch (const std::runtime_error&) {
      return std::nullopt;
    }
  }
  std::string_view name = tz_variable;
  if (!name.empty() && name.front() == ':') name.remove_prefix(1);
  if (name.empty()) return TimeZone{};  // glibc reads an empty TZ as UTC
  constexpr std::string_view kZoneInfo = "/usr/share/zoneinfo/";
  if (name.substr(0, kZoneInfo.size()) == kZoneInfo) name.remove_prefix(kZoneInfo.size());
  return named(name);
}

std::string TimeZone::name() const { return zone_ == nullptr ? "UTC" : std::string(zone_->name()); }

int TimeZone::offset_at(std::int64_t epoch) const {
  if (zone_ == nullptr) return 0;
  const date::sys_info info = zone_->get_info(date::sys_seconds{Seconds{epoch}});
  return static_cast<int>(info.offset.count());
}

std::int64_t TimeZone::epoch_of(const LocalDate& local) const {
  const std::int64_t wall = utc_seconds(local);
  if (zone_ == nullptr) return wall;
  const date::local_info info = zone_->get_info(local_seconds_of(local));
  // Unique and ambiguous times take the first offset; a skipped time, the one before.
  return wall - info.first.offset.count();
}

LocalDate TimeZone::local_at(std::int64_t epoch) const {
  return local_date_of(epoch + offset_at(epoch));
}

}  // namespace postsearch
