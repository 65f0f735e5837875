#!/usr/bin/env bash
# postsearch as a peer of ../shared/peers (same two verbs), with its default query behaviour.
# Like the peers, it indexes every post of the corpus (drafts, future and unpublished too):
#   bench/peer.sh index <corpus-dir> <index-dir>
#   bench/peer.sh query <index-dir> <queries.tsv> <out.run>
# Run beside the field:
#   PEERS="fts5 sphinx postsearch" PEER_CMD_postsearch=$PWD/bench/peer.sh ../shared/peers/compare.sh CORPUS
# Binaries come from build/bench (bench/build.sh) or $POSTSEARCH_BUILD.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="$(realpath -m "${POSTSEARCH_BUILD:-$HERE/../build/bench}")"
usage() {
  echo "usage: $0 index <corpus-dir> <index-dir>" >&2
  echo "       $0 query <index-dir> <queries.tsv> <out.run>" >&2
  exit 2
}
cmd="${1:-}"
case "$cmd" in
  index)
    [ $# -eq 3 ] || usage
    corpus="$2"; idx="$3"
    root="$corpus"; [ -d "$corpus/posts" ] && root="$corpus/posts"
    mkdir -p "$idx"
    "$BUILD/indexer/indexer" "$root" --index "$idx/db" --generator plain --drafts --future --unpublished --json -q > "$idx/_peer_summary.json" 2> "$idx/_peer_index.log" || [ $? -eq 1 ]
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['documents'])" "$idx/_peer_summary.json" > "$idx/_peer_ndocs"
    # Collections name documents by their front-matter id; keep the map beside the index.
    if [ -n "${PEER_DOCMAP:-}" ] && [ -f "$PEER_DOCMAP" ]; then
      cp "$PEER_DOCMAP" "$idx/_peer_docmap.tsv"
    else
      python3 "$HERE/docmap.py" "$root" > "$idx/_peer_docmap.tsv"
    fi
    ;;
  query)
    [ $# -eq 4 ] || usage
    "$BUILD/bench/run_queries" --index "$2/db" --queries "$3" --out "$4" --docmap "$2/_peer_docmap.tsv"
    ;;
  *) usage ;;
esac
