// Reading a file that must lie inside a folder (a site, the web assets) when the folder's
// content is not trusted: a symlink may stay inside it but never lead out, and only a
// regular file of bounded size is read (never a FIFO, a device or a socket, which could
// block or never end). Safe from any thread; no state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace postsearch {

struct ContainedRead {
  std::optional<std::string> bytes;  // the content; empty when refused
  std::string error;                 // why it was refused, in words; empty when read
};

// Reads `path`, which must resolve (symlinks followed) to a regular file under `root` (a
// canonical path) of at most max_bytes. Every refusal, an I/O error included, is a value.
[[nodiscard]] ContainedRead read_contained_file(const std::filesystem::path& root,
                                                const std::filesystem::path& path,
                                                std::uint64_t max_bytes);

}  // namespace postsearch
