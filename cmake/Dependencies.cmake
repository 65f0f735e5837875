# Every third-party dependency, from Debian 12 packages, as an imported target.
# Included as SYSTEM so that their headers' warnings stay quiet under -Werror.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# Xapian 1.4's config defines variables, not a target.
find_package(Xapian REQUIRED CONFIG)
add_library(postsearch_xapian INTERFACE IMPORTED GLOBAL)
target_include_directories(postsearch_xapian SYSTEM INTERFACE ${XAPIAN_INCLUDE_DIR})
target_link_libraries(postsearch_xapian INTERFACE ${XAPIAN_LIBRARIES})
add_library(Xapian::xapian ALIAS postsearch_xapian)

find_package(yaml-cpp REQUIRED CONFIG)
find_package(nlohmann_json REQUIRED CONFIG)
find_package(tomlplusplus REQUIRED CONFIG)
find_package(CLI11 REQUIRED CONFIG)
# Search analytics' store (libsqlite3-dev): CMake's own FindSQLite3, target SQLite::SQLite3.
find_package(SQLite3 REQUIRED)
# Howard Hinnant's date/tz (the C++20 <chrono> zones, which libstdc++ 12 lacks) over the
# system's tz database.
find_package(date REQUIRED CONFIG)

# cmark's CMake config needs the separate cmark binary package; cpp-httplib's
# class layout depends on the CPPHTTPLIB_* defines in its .pc file.
pkg_check_modules(CMARK REQUIRED IMPORTED_TARGET GLOBAL libcmark)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET GLOBAL gumbo)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET GLOBAL libutf8proc)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET GLOBAL libxxhash)
