// A memo that may forget: a fixed number of slots (a power of two), each holding one key and
// its value; a key's slot is given by its hash, and a key that finds another key in its slot
// takes the slot. A look-up reads one slot, where a node-based hash map costs several cache
// misses. For values that can be made again when forgotten.
//
// Errors: none. Ownership: the slots are allocated by the first put(), or by allocate().
// Threads: not thread-safe; a caller that shares one allocates it first and locks around
// its calls (slot_of() tells which slot a key uses, for locks striped by slot).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace postsearch {

template <typename V>
class DirectMap {
 public:
  // `slots` must be a power of two.
  explicit DirectMap(std::size_t slots) : mask_(slots - 1) {}

  void allocate() {
    if (slots_.empty()) slots_.resize(mask_ + 1);
  }

  [[nodiscard]] std::size_t slot_of(const std::string& key) const {
    return mask_ & std::hash<std::string>{}(key);
  }
  // The value of `key`, or null when it is not held. An empty key is never held.
  [[nodiscard]] const V* find(const std::string& key) const {
    if (key.empty() || slots_.empty()) return nullptr;
    const Slot& s = slots_[slot_of(key)];
    return s.key == key ? &s.value : nullptr;
  }
  // Holds `value` for `key` (not empty) in its slot, in place of whatever was there. True
  // when the slot was unused.
  bool put(const std::string& key, V value) {
    allocate();
    Slot& s = slots_[slot_of(key)];
    const bool fresh = s.key.empty();
    s.key = key;
    s.value = std::move(value);
    return fresh;
  }

 private:
  struct Slot {
    std::string key;  // empty: unused
    V value{};
  };
  std::size_t mask_;
  std::vector<Slot> slots_;
};

}  // namespace postsearch
