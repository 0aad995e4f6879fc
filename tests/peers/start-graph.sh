#!/usr/bin/env bash
# Starts the Graph API test fixture (graph-fixture.mjs) on 127.0.0.1:PORT, waits until it answers,
# and prints its PID on stdout, like ../shared/peers/start-*.sh.
# usage: start-graph.sh <port>   (settings: GRAPH_* env, see graph-fixture.mjs)
# env: PEERS_DIR (default $PWD/.peers; logs go to $PEERS_DIR/log/graph-PORT.log)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export PEERS_DIR="${PEERS_DIR:-$PWD/.peers}"
port="${1:?usage: start-graph.sh <port>}"
mkdir -p "$PEERS_DIR/log"
log="$PEERS_DIR/log/graph-$port.log"
GRAPH_PORT="$port" setsid node "$here/graph-fixture.mjs" >"$log" 2>&1 < /dev/null &
pid=$!
for _ in $(seq 1 100); do
  # Any answer means it listens (an unknown path is a Graph error).
  if curl -s "http://127.0.0.1:$port/" -o /dev/null; then echo "$pid"; exit 0; fi
  kill -0 "$pid" 2>/dev/null || { echo "start-graph: exited; see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
  sleep 0.1
done
echo "start-graph: no answer after 10s; see $log" >&2; kill "$pid" 2>/dev/null || true; exit 1
