#include <catch2/catch.hpp>

#include "indexer/dates.h"

namespace postsearch {

TEST_CASE("dates: the forms people write", "[dates]") {
  CHECK(parse_date("2024-03-05")->epoch == 1709596800);
  CHECK(parse_date("2024-03-05 10:20")->local.minute == 20);
  const auto d = parse_date("2023-05-14 09:30:00 +0200");
  REQUIRE(d);
  CHECK(d->local.hour == 9);
  CHECK(d->epoch == 1684049400);  // 07:30 UTC
  CHECK(d->iso8601() == "2023-05-14T09:30:00+02:00");
  CHECK(parse_date("2023-05-14T09:30:00Z")->epoch == 1684056600);
  CHECK(parse_date("2023-05-14T09:30:00.123-05:00")->offset_minutes == -300);
  CHECK(parse_date("2024-3-5")->local.month == 3);
}

TEST_CASE("dates: impossible dates are rejected", "[dates]") {
  CHECK_FALSE(parse_date("2017-02-30"));
  CHECK_FALSE(parse_date("2017-2-30"));
  CHECK_FALSE(parse_date("0000-00-00"));
  CHECK_FALSE(parse_date("2023-13-01"));
  CHECK_FALSE(parse_date("yesterday"));
  CHECK_FALSE(parse_date("2023-01-01 25:00"));
  CHECK(parse_date("2024-02-29"));
  CHECK_FALSE(parse_date("2023-02-29"));
}

TEST_CASE("dates: read as Ruby's Time.parse reads what parse_date refuses", "[dates]") {
  // What `ruby -rtime -e 'puts Time.parse(s).iso8601'` printed for each.
  const auto twice = parse_date_as_ruby("2023-01-29 18:30:22 2023 -0800");
  REQUIRE(twice);
  CHECK_FALSE(twice->has_offset);  // the offset is not read: the zone's time
  CHECK(twice->local.hour == 18);
  CHECK(parse_date_as_ruby("2023-01-29 18:30:22 -08:00 (PST)")->iso8601() ==
        "2023-01-29T18:30:22-08:00");
  const auto utc = parse_date_as_ruby("Posted 2023-01-29 at 18:30 UTC");
  REQUIRE(utc);
  CHECK(utc->has_offset);
  CHECK(utc->iso8601() == "2023-01-29T18:30:00Z");
  CHECK(parse_date_as_ruby("2023-01-29 18:30:22 +0100 extra")->iso8601() ==
        "2023-01-29T18:30:22+01:00");
  CHECK_FALSE(parse_date_as_ruby("no date here 18:30"));
}

TEST_CASE("dates: Jekyll file names", "[dates]") {
  const auto f = parse_file_name_date("2024-01-20-incremental-indexing");
  CHECK(f.has_prefix);
  CHECK(f.rest == "incremental-indexing");
  REQUIRE(f.date);
  CHECK(f.date->local.day == 20);
  const auto bad = parse_file_name_date("2019-01-00-day-zero");
  CHECK(bad.has_prefix);
  CHECK_FALSE(bad.date);
  CHECK_FALSE(parse_file_name_date("about").has_prefix);
}

}  // namespace postsearch

namespace postsearch {

// Recorded from Jekyll 4.3.1 (TZ=Pacific/Honolulu, no timezone:) and Hugo 0.111.3.
TEST_CASE("dates: placed in the site's zone as Jekyll does", "[dates]") {
  const auto honolulu = TimeZone::named("Pacific/Honolulu");
  REQUIRE(honolulu);
  DatePlacement jekyll{*honolulu, true, false};
  // "2013-05-06 02:12:52 +0200" (quoted or not) went to /2013/05/05/.
  const ParsedDate offset = place_date(*parse_date("2013-05-06 02:12:52 +0200"), jekyll);
  CHECK(offset.local.day == 5);
  CHECK(offset.local.hour == 14);
  CHECK(offset.iso8601() == "2013-05-05T14:12:52-10:00");
  CHECK(offset.epoch == parse_date("2013-05-06 02:12:52 +0200")->epoch);
  // Quoted "2013-05-06 02:12:52" is Honolulu time: /2013/05/06/.
  const ParsedDate local = place_date(*parse_date("2013-05-06 02:12:52"), jekyll);
  CHECK(local.local.day == 6);
  CHECK(local.epoch == parse_date("2013-05-06T12:12:52Z")->epoch);
  // Unquoted, Ruby's YAML reads it as UTC: /2013/05/05/.
  jekyll.unzoned_is_utc = true;
  CHECK(place_date(*parse_date("2013-05-06 02:12:52"), jekyll).local.day == 5);
}

TEST_CASE("dates: Hugo keeps the written offset, and reads others in timeZone", "[dates]") {
  const auto honolulu = TimeZone::named("Pacific/Honolulu");
  REQUIRE(honolulu);
  const DatePlacement hugo{*honolulu, false, false};
  // Hugo showed "2013-05-06 02:12:52 +0200 +0200" and "2013-05-06 02:12:52 -1000 HST".
  const ParsedDate offset = place_date(*parse_date("2013-05-06T02:12:52+02:00"), hugo);
  CHECK(offset.iso8601() == "2013-05-06T02:12:52+02:00");
  const ParsedDate local = place_date(*parse_date("2013-05-06T02:12:52"), hugo);
  CHECK(local.iso8601() == "2013-05-06T02:12:52-10:00");
  CHECK(local.epoch == parse_date("2013-05-06T12:12:52Z")->epoch);
}

TEST_CASE("time zones: summer time, gaps and the machine's zone", "[dates]") {
  const auto la = TimeZone::named("America/Los_Angeles");
  REQUIRE(la);
  CHECK(la->name() == "America/Los_Angeles");
  CHECK(la->offset_at(parse_date("2024-07-01T12:00:00Z")->epoch) == -7 * 3600);
  CHECK(la->offset_at(parse_date("2024-01-01T12:00:00Z")->epoch) == -8 * 3600);
  // 2024-03-10 02:30 does not exist there: read with the offset before the change (-8).
  CHECK(la->epoch_of({2024, 3, 10, 2, 30, 0}) == parse_date("2024-03-10T10:30:00Z")->epoch);
  // 2024-11-03 01:30 happens twice: the first (-7).
  CHECK(la->epoch_of({2024, 11, 3, 1, 30, 0}) == parse_date("2024-11-03T08:30:00Z")->epoch);
  CHECK_FALSE(TimeZone::named("Mars/Olympus"));
  CHECK(TimeZone::of_machine(":Asia/Tokyo")->name() == "Asia/Tokyo");
  CHECK(TimeZone::of_machine("/usr/share/zoneinfo/Asia/Tokyo")->name() == "Asia/Tokyo");
  CHECK(TimeZone::of_machine("")->name() == "UTC");
  CHECK_FALSE(TimeZone::of_machine("JST-9"));
}

}  // namespace postsearch
