// read_contained_file against real files, symlinks, FIFOs and devices in a temporary folder.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/contained_file.h"

namespace postsearch {
namespace {

namespace fs = std::filesystem;

struct Folders {
  fs::path base =
      fs::canonical(fs::temp_directory_path()) / ("contained-" + std::to_string(::getpid()));
  fs::path root = base / "root";
  Folders() {
    fs::create_directories(root / "sub");
    std::ofstream(root / "sub" / "in.md") << "inside";
    std::ofstream(base / "secret.txt") << "secret";
  }
  Folders(const Folders&) = delete;
  Folders& operator=(const Folders&) = delete;
  ~Folders() { fs::remove_all(base); }
};

}  // namespace

TEST_CASE("read_contained_file: inside, through a symlink that stays inside", "[contained]") {
  const Folders f;
  CHECK(read_contained_file(f.root, f.root / "sub" / "in.md", 100).bytes == "inside");
  fs::create_symlink("sub/in.md", f.root / "link.md");
  CHECK(read_contained_file(f.root, f.root / "link.md", 100).bytes == "inside");
}

TEST_CASE("read_contained_file: symlinks out of the folder are refused", "[contained]") {
  const Folders f;
  fs::create_symlink(f.base / "secret.txt", f.root / "abs.md");
  fs::create_symlink("../secret.txt", f.root / "rel.md");
  fs::create_symlink("/etc/passwd", f.root / "passwd.md");
  for (const char* name : {"abs.md", "rel.md", "passwd.md"}) {
    const ContainedRead r = read_contained_file(f.root, f.root / name, 1 << 20);
    CHECK_FALSE(r.bytes);
    CHECK(r.error.find("outside") != std::string::npos);
  }
  // A folder whose name starts like the root's is not inside it.
  fs::create_directories(f.base / "root2");
  std::ofstream(f.base / "root2" / "x.md") << "x";
  fs::create_symlink("../root2/x.md", f.root / "sibling.md");
  CHECK_FALSE(read_contained_file(f.root, f.root / "sibling.md", 100).bytes);
}

TEST_CASE("read_contained_file: FIFOs, devices, loops and large files are refused", "[contained]") {
  const Folders f;
  REQUIRE(::mkfifo((f.root / "fifo.md").c_str(), 0600) == 0);
  CHECK(read_contained_file(f.root, f.root / "fifo.md", 100).error == "a FIFO; not read");
  CHECK(read_contained_file("/dev", "/dev/null", 100).error == "a device; not read");
  CHECK(read_contained_file(f.root, f.root / "sub", 100).error == "a directory; not read");
  fs::create_symlink("loop.md", f.root / "loop.md");
  CHECK(read_contained_file(f.root, f.root / "loop.md", 100).error.find("symlink loop") !=
        std::string::npos);
  CHECK(read_contained_file(f.root, f.root / "sub" / "in.md", 5).error ==
        "6 bytes, over the limit of 5");
  CHECK(read_contained_file(f.root, f.root / "missing.md", 5).error ==
        "cannot read: No such file or directory");
}

}  // namespace postsearch
