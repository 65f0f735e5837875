#include "indexer/dates.h"

#include <cctype>
#include <ctime>
#include <regex>

namespace postsearch {
namespace {

bool take_int(std::string_view& s, int min_digits, int max_digits, int& value) {
  int n = 0;
  value = 0;
  while (n < max_digits && n < static_cast<int>(s.size()) &&
         std::isdigit(static_cast<unsigned char>(s[static_cast<std::size_t>(n)]))) {
    value = value * 10 + (s[static_cast<std::size_t>(n)] - '0');
    ++n;
  }
  if (n < min_digits) return false;
  s.remove_prefix(static_cast<std::size_t>(n));
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

bool valid(const LocalDate& d) {
  return d.year >= 1 && d.month >= 1 && d.month <= 12 && d.day >= 1 &&
         d.day <= days_in_month(d.year, d.month) && d.hour < 24 && d.minute < 60 && d.second < 61;
}

bool parse_time(std::string_view& s, LocalDate& d) {
  if (!take_int(s, 1, 2, d.hour) || !take_char(s, ':') || !take_int(s, 2, 2, d.minute))
    return false;
  if (take_char(s, ':') && !take_int(s, 2, 2, d.second)) return false;
  if (take_char(s, '.') || take_char(s, ',')) {
    int frac = 0;
    if (!take_int(s, 1, 9, frac)) return false;
  }
  return true;
}

bool parse_offset(std::string_view& s, ParsedDate& p) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  if (s.empty()) return true;
  if (s == "Z" || s == "UTC" || s == "GMT") {
    p.has_offset = true;
    s = {};
    return true;
  }
  const bool negative = s.front() == '-';
  if (!take_char(s, '+') && !take_char(s, '-')) return false;
  int hh = 0;
  int mm = 0;
  if (!take_int(s, 2, 2, hh)) return false;
  take_char(s, ':');
  if (!s.empty() && !take_int(s, 2, 2, mm)) return false;
  if (hh > 14 || mm > 59) return false;
  p.offset_minutes = (negative ? -1 : 1) * (hh * 60 + mm);
  p.has_offset = true;
  return true;
}

}  // namespace

std::string ParsedDate::iso8601() const {
  char b[64];
  if (offset_minutes == 0) {
    std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02dZ", local.year, local.month, local.day,
                  local.hour, local.minute, local.second);
  } else {
    const int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(b, sizeof b, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", local.year, local.month,
                  local.day, local.hour, local.minute, local.second, offset_minutes < 0 ? '-' : '+',
                  off / 60, off % 60);
  }
  return b;
}

std::optional<ParsedDate> parse_date(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  ParsedDate p;
  LocalDate& d = p.local;
  if (!take_int(s, 4, 4, d.year) || !take_char(s, '-') || !take_int(s, 1, 2, d.month) ||
      !take_char(s, '-') || !take_int(s, 1, 2, d.day)) {
    return std::nullopt;
  }
  if (take_char(s, 'T') || take_char(s, 't') || take_char(s, ' ')) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (!s.empty() && !parse_time(s, d)) return std::nullopt;
  }
  if (!parse_offset(s, p) || !s.empty() || !valid(d)) return std::nullopt;
  p.epoch = utc_seconds(d) - static_cast<std::int64_t>(p.offset_minutes) * 60;
  return p;
}

std::optional<ParsedDate> parse_date_as_ruby(std::string_view text) {
  static const std::regex kDate(R"((\d{4})-(\d{1,2})-(\d{1,2}))");
  static const std::regex kTime(R"((^|[^\d:])(\d{1,2}:\d{2}(:\d{2})?)(?![\d:]))");
  static const std::regex kZone(R"(^\s*([+-]\d{2}:?\d{2}|Z|UTC|GMT)(?!\w))");
  const std::string s(text.substr(0, 200));
  std::smatch date;
  if (!std::regex_search(s, date, kDate)) return std::nullopt;
  std::string canonical = date.str(0);
  const std::string after_date = date.suffix().str();
  std::smatch time;
  if (std::regex_search(after_date, time, kTime)) {
    canonical += " " + time.str(2);
    const std::string after_time = time.suffix().str();
    std::smatch zone;
    if (std::regex_search(after_time, zone, kZone)) {
      const std::string z = zone.str(1);
      canonical += " " + (z == "UTC" || z == "GMT" || z == "Z" ? std::string("+0000") : z);
    }
  }
  return parse_date(canonical);
}

ParsedDate place_date(const ParsedDate& written, const DatePlacement& placement) {
  ParsedDate placed = written;
  if (!written.has_offset) {
    placed.epoch = placement.unzoned_is_utc ? utc_seconds(written.local)
                                            : placement.zone.epoch_of(written.local);
  }
  placed.has_offset = true;
  if (placement.convert_to_zone || !written.has_offset) {
    placed.offset_minutes = placement.zone.offset_at(placed.epoch) / 60;
  }
  if (placement.convert_to_zone) placed.local = placement.zone.local_at(placed.epoch);
  return placed;
}

FileNameDate parse_file_name_date(std::string_view stem) {
  FileNameDate out;
  std::string_view s = stem;
  int y = 0;
  int m = 0;
  int d = 0;
  if (!take_int(s, 4, 4, y) || !take_char(s, '-') || !take_int(s, 1, 2, m) || !take_char(s, '-') ||
      !take_int(s, 1, 2, d) || !take_char(s, '-')) {
    out.rest = std::string(stem);
    return out;
  }
  out.has_prefix = true;
  out.rest = std::string(s);
  out.date = parse_date(stem.substr(0, stem.size() - s.size() - 1));
  return out;
}

}  // namespace postsearch
