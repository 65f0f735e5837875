# Project-wide compile flags: warnings (errors with POSTSEARCH_WERROR) and sanitizers.
add_library(postsearch_flags INTERFACE)
target_compile_options(postsearch_flags INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wold-style-cast -Wnon-virtual-dtor)
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
