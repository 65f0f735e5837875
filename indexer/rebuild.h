// The rebuild plan of a local index: every source parsed on every core into partial
// databases (part_writer.h), merged into a new generation (one database, or one a shard),
// spelling data and recorded state added, and the generation published by one stub swap,
// so readers see the old index until the new one is whole.
#pragma once

#include "indexer/run_context.h"

namespace postsearch {

// Builds and publishes a new generation of every source (a dry run parses only). Throws
// ConfigError instead when folders the listing could not read would lose their posts.
void rebuild_local(RunContext& run);

}  // namespace postsearch
