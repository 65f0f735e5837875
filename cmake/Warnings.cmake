# Project-wide compile flags: warnings (errors with POSTSEARCH_WERROR) and sanitizers.
add_library(postsearch_flags INTERFACE)
target_compile_options(postsearch_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wold-style-cast -Wnon-virtual-dtor)
# GCC 12 at -O3 reports impossible overlaps in std::string concatenation (GCC bug 105329).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(postsearch_flags INTERFACE -Wno-restrict)
endif()
if(POSTSEARCH_WERROR)
  target_compile_options(postsearch_flags INTERFACE -Werror)
endif()
if(POSTSEARCH_FUZZ)
  # Coverage for libFuzzer in every library, not only in the target files.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
if(POSTSEARCH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
