// The incremental plan: which sources changed since the recorded state (size, mtime and
// inode first; the content hash only of those that differ), parsing only those, and writing
// the changes to a local index: in place in one transaction (one database), or as a new
// generation that copies the changed shards and links the others (several shards).
#pragma once

#include <optional>

#include "indexer/run_context.h"

namespace postsearch {

// The changes since the recorded state, their sources parsed and accounted in the summary;
// nullopt when more sources differ than options.incremental_limit (a rebuild is then
// cheaper). Writes nothing.
[[nodiscard]] std::optional<ChangeSet> plan_incremental(RunContext& run);

// Writes `changes` to the live local index so that readers see all of them or none.
void write_local_changes(RunContext& run, const ChangeSet& changes);

}  // namespace postsearch
