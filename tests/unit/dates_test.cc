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
