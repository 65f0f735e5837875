// Remote shards (`xapian-tcpsrv --writable`): written in place, no generations, each shard in
// one transaction, shard 0 (which names the publish) last, so that a reader that sees its
// new publish id sees every shard of it (docs/SCALING.md says what readers may see before).
#pragma once

#include "indexer/run_context.h"

namespace postsearch {

// Whether this run writes remote shards: the options name them, or the stub lists only
// remote ones (then run.remote holds their addresses). Throws ConfigError for a stub that
// mixes local and remote shards, or a --shards count that is not theirs.
[[nodiscard]] bool resolve_remote(RunContext& run);

// The whole run against run.remote's shards: incremental when their recorded settings are
// this run's, else every post sent again and what a shard holds beyond it dropped. A Xapian
// error of a shard throws RemoteShardError naming it.
void run_remote(RunContext& run);

}  // namespace postsearch
