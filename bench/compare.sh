#!/usr/bin/env bash
# Runs the same MQTT load scenarios against Perch and its peers on this machine and prints one
# table: scenario | Perch | Mosquitto | ... | ratio (Perch / the best peer). Every broker and client
# runs on loopback; everything started here is stopped on exit. See bench/README.md.
#
#   bench/compare.sh [--seconds N] [--warmup N] [--scenarios a,b,...] [--brokers A,B,...] [--conns N]
#                    [--redis] [--durable] [--keep DIR]
#
# A broker is "perch" (bin/perch start on free ports), "mosquitto" (Debian's, installed with apt if
# missing, on free ports, limits lifted), "hivemq" (HiveMQ CE) or "moquette" (both embedded, from
# perch-bench-peers) or "HOST:TCP[:WS[:PID]]" (already running; PID enables the memory row).
# Environment: BENCH_SECONDS, BENCH_WARMUP, BENCH_SCENARIOS, BENCH_BROKERS, BENCH_CONNS,
# BENCH_REDIS=1, BENCH_DURABLE=1 (ACK mode: BENCH_DURABLE_ACK, default redis), PERCH_SET (extra "key=value ..." for bin/perch start), BENCH_JAVA_OPTS,
# BENCH_SHORT_JAVA_OPTS (added for the connect-bound runs; -XX:TieredStopAtLevel=1, empty = none),
# WARM_PASS (seconds of unmeasured QoS 1 load per broker before the throughput rows; 8, 0 = none).
set -euo pipefail

ROOT="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
WARMUP="${BENCH_WARMUP:-2}"
SCENARIOS="${BENCH_SCENARIOS:-conn,qos0,qos1,qos2,fanin,fanout,fanout100,pubs1000,large,many,latency,retained,ws,persist,redis}"
BROKERS="${BENCH_BROKERS:-perch,mosquitto}"
CONNS="${BENCH_CONNS:-10000}"
REDIS="${BENCH_REDIS:-0}"
DURABLE="${BENCH_DURABLE:-0}"
KEEP=""

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_RUN="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --brokers) BROKERS="$2"; shift 2 ;;
    --conns) CONNS="$2"; shift 2 ;;
    --redis) REDIS=1; shift ;;
    --durable) DURABLE=1; shift ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "compare.sh: unknown option $1" >&2; usage ;;
  esac
done

WORK="$(mktemp -d /tmp/perch-compare.XXXXXX)"
STARTED=()   # pids this script started; stopped by cleanup

cleanup() {
  local pid
  thaw
  for pid in "${STARTED[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  if [ -n "$KEEP" ]; then
    mkdir -p "$KEEP" && cp -r "$WORK"/. "$KEEP"/ && echo "runs kept in $KEEP" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "compare: $*" >&2; }
die() { log "$*"; exit 1; }

# ---- ports and processes ----------------------------------------------------------------

# In use by a listener or by any connection (a connection's local port blocks a bind too).
port_in_use() { [ -n "$(ss -Htan "( sport = :$1 )" 2>/dev/null)" ]; }

# Below the kernel's ephemeral range, so the 10k bench connections cannot take it meanwhile.
free_port() {
  local p low
  low="$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
  [ "$low" -gt 11000 ] || low=32768
  for _ in $(seq 200); do
    p=$((10000 + RANDOM % (low - 10000)))
    if ! port_in_use "$p" && ! grep -qx "$p" "$WORK/ports" 2>/dev/null; then
      echo "$p" >>"$WORK/ports"
      echo "$p"
      return
    fi
  done
  die "no free port found"
}

wait_port() { # port seconds pid-that-must-stay-alive
  local i
  for i in $(seq $(($2 * 10))); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    if [ -n "${3:-}" ] && ! kill -0 "$3" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

pid_on_port() { ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*pid=\([0-9]*\).*/\1/p' | head -1; }

# ---- the load tool ------------------------------------------------------------------------

BENCH_JAR=""
ensure_bench() {
  BENCH_JAR="$(ls "$ROOT"/perch-bench/target/perch-bench-*.jar 2>/dev/null | grep -v -e '-tests' | head -1 || true)"
  if [ -z "$BENCH_JAR" ] || [ ! -d "$ROOT/perch-bench/target/lib" ]; then
    log "building perch-bench"
    (cd "$ROOT" && mvn -B -q -pl perch-bench -DskipTests package)
    BENCH_JAR="$(ls "$ROOT"/perch-bench/target/perch-bench-*.jar | grep -v -e '-tests' | head -1)"
  fi
}

# A connect storm is over in seconds, too soon for the tool's JIT to pay off: async-profiler found
# the C1 and C2 compiler threads with 9,363 of the tool's 19,236 samples in one conn storm, and
# 8,201 of 17,454 in one retained run (1,000 subscribers connecting), on the two cores the broker
# also needs. So the tool of those short, connect-bound runs (@C1 in a scenario's arguments)
# compiles with C1 only (BENCH_SHORT_JAVA_OPTS); the saturating runs keep C2, which they need
# to outrun the brokers.
bench() { # out-json log-file args...
  local out=$1 err=$2 jit=""
  shift 2
  [ -n "${SHORT_RUN:-}" ] && jit="${BENCH_SHORT_JAVA_OPTS--XX:TieredStopAtLevel=1}"
  # shellcheck disable=SC2086
  java ${BENCH_JAVA_OPTS:--Xmx1g} $jit -cp "$BENCH_JAR:$ROOT/perch-bench/target/lib/*" io.perch.bench.BenchMain \
    "$@" --json >"$out" 2>"$err"
}

PEERS_JAR=""
ensure_peers() {
  PEERS_JAR="$(ls "$ROOT"/perch-bench-peers/target/perch-bench-peers-*.jar 2>/dev/null | grep -v -e '-tests' | head -1 || true)"
  if [ -z "$PEERS_JAR" ] || [ ! -d "$ROOT/perch-bench-peers/target/lib" ]; then
    log "building perch-bench-peers (HiveMQ CE and Moquette launchers)"
    (cd "$ROOT" && mvn -B -q -pl perch-bench-peers -am -DskipTests package)
    PEERS_JAR="$(ls "$ROOT"/perch-bench-peers/target/perch-bench-peers-*.jar | grep -v -e '-tests' | head -1)"
  fi
}

# ---- brokers ------------------------------------------------------------------------------
# Each broker is described by LABEL, HOST, TCP, WS and PID arrays indexed by slot: 0.. in --brokers
# order (SLOTS), the twins with their durable store on for the persist row at 50.. (TWINS), the
# Perch of the redis and --durable rows at 90 and 91. SLOT_PIDS: what stop_slot ends.

LABEL=() HOST=() TCP=() WS=() PID=() SLOT_PIDS=() KIND=()
SLOTS=() TWINS=()

# While one broker is measured the others this script started are stopped (SIGSTOP), and go on
# (SIGCONT) after its run: a broker still busy from its own last run would take CPU from the one
# measured. HiveMQ CE, after 10 s of QoS 0 fan-out 1->100, went on using 46 % of a core for more
# than 40 s (its CPU time in /proc/<pid>/stat, 2026-12-01); stopped, it does that work in its
# own next run. BENCH_FREEZE=0 leaves them running.
FROZEN=()
freeze_others() { # slot
  [ "${BENCH_FREEZE:-1}" = 0 ] && return 0
  local keep=" ${SLOT_PIDS[$1]:-} " pid
  for pid in "${STARTED[@]}"; do
    [[ "$keep" == *" $pid "* ]] && continue
    kill -STOP "$pid" 2>/dev/null && FROZEN+=("$pid")
  done
  return 0
}
thaw() {
  local pid
  for pid in "${FROZEN[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  FROZEN=()
}

# Stops one broker this script started (TERM, then KILL after 5 s), e.g. a twin after its row.
stop_slot() {
  local pid
  for pid in ${SLOT_PIDS[$1]:-}; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in ${SLOT_PIDS[$1]:-}; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  SLOT_PIDS[$1]=""
}

mosquitto_bin() {
  command -v mosquitto 2>/dev/null || { [ -x /usr/sbin/mosquitto ] && echo /usr/sbin/mosquitto; } || true
}

start_mosquitto() { # slot label [persist]
  local bin tcp ws conf pid persist="persistence false"
  bin="$(mosquitto_bin)"
  if [ -z "$bin" ]; then
    log "installing Debian's mosquitto"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get install -y -q mosquitto >"$WORK/apt.log" 2>&1 ||
      { $sudo apt-get update -q >>"$WORK/apt.log" 2>&1 && $sudo apt-get install -y -q mosquitto >>"$WORK/apt.log" 2>&1; } ||
      die "could not install mosquitto (see apt output above)"
    bin="$(mosquitto_bin)"
  fi
  tcp=$(free_port)
  ws=$(free_port)
  conf="$WORK/mosquitto-$1.conf"
  if [ "${3:-}" = persist ]; then
    # Its store is written at exit and every autosave_interval (default 30 min): kept in memory meanwhile.
    persist="persistence true
persistence_location $WORK/mosquitto-data-$1/"
    mkdir -p "$WORK/mosquitto-data-$1"
  fi
  # Limits lifted so that Mosquitto queues rather than drops: the comparison is of speed,
  # not of default limits.
  cat >"$conf" <<EOF
allow_anonymous true
$persist
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 0
max_connections -1
set_tcp_nodelay true
log_dest stderr
log_type error
log_type warning
listener $tcp 127.0.0.1
listener $ws 127.0.0.1
protocol websockets
EOF
  "$bin" -c "$conf" >"$WORK/mosquitto-$1.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  SLOT_PIDS[$1]="$pid"
  wait_port "$tcp" 20 "$pid" || die "mosquitto did not start: $(cat "$WORK/mosquitto-$1.log")"
  wait_port "$ws" 20 "$pid" || die "mosquitto websockets listener did not start"
  LABEL[$1]=$2 HOST[$1]=127.0.0.1 TCP[$1]=$tcp WS[$1]=$ws PID[$1]=$pid
  log "${LABEL[$1]}: $("$bin" -h 2>/dev/null | head -1), tcp $tcp, ws $ws, pid $pid"
}

# A config dir of its own for each Perch: the broker's etc/perch.conf, the dashboard off, and the
# Redis backend only when asked for (etc/plugins/ would otherwise load it for every scenario).
# "durable": only a pool and the session store in Redis, none of the EMQ X rules, so the row
# measures what durable sessions cost.
perch_etc() { # dir with-redis(0|1|durable)
  mkdir -p "$1/plugins"
  cp "$ROOT/etc/perch.conf" "$1/perch.conf"
  echo "dashboard.enable = off" >"$1/plugins/perch_dashboard.conf"
  [ "$2" = 1 ] && cp "$ROOT/etc/plugins/emqx_backend_redis.conf" "$1/plugins/"
  if [ "$2" = durable ]; then
    printf '%s\n' "backend.redis.pool1.type = single" "persistence.mode = redis" \
      "persistence.ack = ${BENCH_DURABLE_ACK:-redis}" >"$1/plugins/perch_durable.conf"
  fi
  return 0
}

start_perch() { # slot [redis]
  local tcp ws launcher pid redis="${2:-0}" etc="$WORK/etc-$1"
  [ -x "$ROOT/bin/perch" ] || die "bin/perch not found; until Perch lands use --brokers mosquitto,mosquitto or HOST:PORT"
  tcp=$(free_port)
  ws=$(free_port)
  perch_etc "$etc" "$redis"
  mkdir -p "$WORK/perch-data-$1" "$WORK/perch-log-$1"
  # Listeners on free loopback ports, the TLS ones off; queues and windows lifted like Mosquitto's.
  # Warnings and errors only, as the peers are run: Perch's INFO lines for every connect and
  # disconnect would cost it alone in the connect rows (Mosquitto logs only errors and
  # warnings here, Moquette WARN, HiveMQ CE logs no line per client at its default level).
  local sets=(
    "listener.tcp.external=127.0.0.1:$tcp"
    "listener.ws.external=127.0.0.1:$ws"
    "listener.ssl.external=off"
    "listener.wss.external=off"
    "node.name=bench@127.0.0.1"
    "data.dir=$WORK/perch-data-$1"
    "log.dir=$WORK/perch-log-$1"
    "log.level=warn"
    "zone.external.max_inflight=65535"
    "zone.external.max_mqueue_len=10000000"
  )
  # The Redis-backed Perch gets its own embedded redis-server on a free port (with an address
  # instead of "embedded", Perch only waits for a Redis there and starts none).
  [ "$redis" != 0 ] && sets+=("backend.redis.pool1.server=embedded" "backend.redis.embedded.port=$(free_port)")
  # shellcheck disable=SC2206
  [ -n "${PERCH_SET:-}" ] && sets+=(${PERCH_SET})
  local args=(start -c "$etc/perch.conf")
  local s
  for s in "${sets[@]}"; do args+=(--set "$s"); done
  log "starting Perch (bin/perch builds it first if needed)"
  "$ROOT/bin/perch" "${args[@]}" >"$WORK/perch-$1.out" 2>&1 &
  launcher=$!
  STARTED+=("$launcher")
  SLOT_PIDS[$1]="$launcher"
  wait_port "$tcp" 300 "$launcher" || die "Perch did not start: $(tail -20 "$WORK/perch-$1.out")"
  wait_port "$ws" 20 "$launcher" || die "Perch websocket listener did not start"
  # bin/perch execs java, but ask the kernel which process owns the port in case it forks.
  pid="$(pid_on_port "$tcp")"
  pid="${pid:-$launcher}"
  [ "$pid" = "$launcher" ] || { STARTED+=("$pid"); SLOT_PIDS[$1]="$launcher $pid"; }
  LABEL[$1]=Perch HOST[$1]=127.0.0.1 TCP[$1]=$tcp WS[$1]=$ws PID[$1]=$pid
  log "Perch: tcp $tcp, ws $ws, pid $pid (a JVM: its RSS includes heap and JIT)"
}

# HiveMQ CE or Moquette, embedded in a JVM of their own (perch-bench-peers), with the heap
# options chosen below (HIVEMQ_JAVA_OPTS, MOQUETTE_JAVA_OPTS). "persist": their durable store on (HiveMQ's file persistence,
# Moquette's H2 store).
start_peer() { # slot hivemq|moquette [persist]
  local tcp ws pid main label opts data="$WORK/$2-data-$1"
  ensure_peers
  case "$2" in
    hivemq) main=io.perch.bench.peers.HiveMqLauncher label="HiveMQ CE" opts=$HIVEMQ_JAVA_OPTS ;;
    moquette) main=io.perch.bench.peers.MoquetteLauncher label=Moquette opts=$MOQUETTE_JAVA_OPTS ;;
  esac
  tcp=$(free_port)
  ws=$(free_port)
  local args=(--port "$tcp" --ws-port "$ws" --data "$data")
  [ "${3:-}" = persist ] && args+=(--persist)
  # shellcheck disable=SC2086
  java $opts -cp "$PEERS_JAR:$ROOT/perch-bench-peers/target/lib/*" \
    "$main" "${args[@]}" >"$WORK/$2-$1.log" 2>&1 &
  pid=$!
  STARTED+=("$pid")
  SLOT_PIDS[$1]="$pid"
  wait_port "$tcp" 120 "$pid" || die "$label did not start: $(tail -20 "$WORK/$2-$1.log")"
  wait_port "$ws" 20 "$pid" || die "$label websocket listener did not start"
  LABEL[$1]=$label HOST[$1]=127.0.0.1 TCP[$1]=$tcp WS[$1]=$ws PID[$1]=$pid
  log "$label: tcp $tcp, ws $ws, pid $pid${3:+ ($3)} (a JVM: its RSS includes heap and JIT)"
}

use_external() { # slot spec
  local host tcp ws pid
  IFS=: read -r host tcp ws pid <<<"$2"
  [ -n "$tcp" ] || die "broker '$2' is not HOST:TCP[:WS[:PID]]"
  LABEL[$1]="$host:$tcp" HOST[$1]=$host TCP[$1]=$tcp WS[$1]=${ws:-} PID[$1]=${pid:-}
  wait_port "$tcp" 5 || die "nothing listens on $host:$tcp"
}

start_broker() { # slot spec [persist]
  KIND[$1]=$2
  case "$2" in
    perch) start_perch "$1" ${3:+durable} ;;
    mosquitto) start_mosquitto "$1" Mosquitto "${3:-}" ;;
    hivemq | moquette) start_peer "$1" "$2" "${3:-}" ;;
    *) use_external "$1" "$2" ;;
  esac
  # The same broker twice (to check the script itself): tell the columns apart.
  local s n=1
  for s in "${SLOTS[@]}"; do
    [ "$s" != "$1" ] && [ "${LABEL[$s]:-}" = "${LABEL[$1]}" ] && n=$((n + 1))
  done
  [ "$n" -gt 1 ] && LABEL[$1]="${LABEL[$1]}#$n"
  return 0
}

# ---- scenarios ----------------------------------------------------------------------------

field() { sed -n "s/.*\"$2\": \([^,}]*\).*/\1/p" "$1"; }

fmt_int() { printf "%.0f" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# "100" only when every owed copy arrived: 99.999 shows as 99.99.
fmt_share() { awk -v s="$1" 'BEGIN { if (s >= 100) print "100"; else printf "%.2f", int(s * 100) / 100 }'; }

# The cell for one run: the metric, the delivered share where copies were owed ("123,456 (100 %)"),
# dup=N for duplicates, conn-fail when a connection failed, FAIL when the run produced no result.
cell() { # json metric kind rc
  local json=$1 metric=$2 kind=$3 rc=$4 v share dups
  v="$(field "$json" "$metric" 2>/dev/null || true)"
  if [ ! -s "$json" ] || [ -z "$v" ] || [ "$v" = null ]; then echo "FAIL"; return; fi
  case "$kind" in
    rate) v="$(fmt_int "$v")" ;;
    ms) v="$v ms" ;;
    bytes) v="$(fmt_int "$v") B" ;;
    connrate) v="$(fmt_int "$v")/s" ;;
  esac
  share="$(field "$json" deliveredShare)"
  dups="$(field "$json" duplicates)"
  if [ -n "$share" ] && [ "$share" != null ]; then v="$v ($(fmt_share "$share") %)"; fi
  if [ -n "$dups" ] && [ "$dups" != 0 ]; then v="$v dup=$dups"; fi
  [ "$rc" -eq 0 ] || v="$v conn-fail"
  echo "$v"
}

ratio() { # a b (plain numbers)
  awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || a == "null" || b == "null" || b + 0 == 0) print "-"; else printf "%.2f", a / b }'
}

ROWS=()          # "label|one cell per column|ratio"
CELLS=() VALS=() # of the scenario being run, indexed by slot

# The subject's figure over the best of the others (the highest; the lowest where lower is better).
ratio_best() { # low|high subject others...
  local dir=$1 subj=$2
  shift 2
  awk -v dir="$dir" -v subj="$subj" -v others="$*" 'BEGIN {
    n = split(others, o, " "); best = ""
    for (i = 1; i <= n; i++) {
      if (o[i] == "-") continue
      if (best == "" || (dir == "low" ? o[i] + 0 < best + 0 : o[i] + 0 > best + 0)) best = o[i]
    }
    if (subj == "-" || best == "" || best + 0 == 0) print "-"; else printf "%.2f", subj / best }'
}

# Adds the row of CELLS and VALS over SLOTS (the columns, in order) with the subject's ratio.
add_row() { # label kind
  local r="$1" k s v subj="-" others=() dir=high
  case "$2" in ms | bytes) dir=low ;; esac
  for k in "${!SLOTS[@]}"; do
    s=${SLOTS[$k]}
    v=${VALS[$s]:-}
    [ -n "$v" ] && [ "$v" != null ] || v="-"
    r="$r|${CELLS[$s]:-n/a}"
    if [ "$k" -eq "$SUBJECT" ]; then subj=$v; else others+=("$v"); fi
  done
  ROWS+=("$r|$(ratio_best "$dir" "$subj" "${others[@]}")")
}

# Runs one scenario on every broker of SLOTS, one after the other, starting one column further
# each scenario (no broker always goes first), and adds the table row.
ORDER=0
# In the bench arguments, @WS switches to the broker's WebSocket port, @PID adds --watch-pid and
# @C1 runs the tool with BENCH_SHORT_JAVA_OPTS (see bench). @PRIME runs the same load once,
# unmeasured, before the measured run: a run too short for a warm-up window of its own (the
# retained row is over in about half a second) otherwise measures a JVM broker compiling the
# path it exercises, which the saturating rows keep out of their numbers with --warmup.
scenario() { # id label metric kind bench-args...
  local name=$1 label=$2 metric=$3 kind=$4 n=${#SLOTS[@]} k slot
  shift 4
  CELLS=() VALS=()
  ORDER=$((ORDER + 1))
  for ((k = 0; k < n; k++)); do
    slot=${SLOTS[$(((k + ORDER - 1) % n))]}
    local args=() a port="${TCP[$slot]}" short="" prime=""
    for a in "$@"; do
      case "$a" in
        @C1) short=1 ;;
        @PRIME) prime=1 ;;
        @WS) port="${WS[$slot]}"; [ -n "$port" ] || { port=""; break; }; args+=(--ws) ;;
        @PID) [ -n "${PID[$slot]}" ] && args+=(--watch-pid "${PID[$slot]}") ;;
        *) args+=("$a") ;;
      esac
    done
    local json="$WORK/$name-$slot.json" err="$WORK/$name-$slot.log" rc=0
    if [ -z "$port" ]; then
      echo "" >"$json"; CELLS[$slot]="n/a"; VALS[$slot]=""; continue
    fi
    log "$label on ${LABEL[$slot]}"
    freeze_others "$slot"
    if [ -n "$prime" ]; then
      SHORT_RUN="$short" bench "$WORK/$name-$slot-prime.json" "$WORK/$name-$slot-prime.log" "${args[@]}" \
        -h "${HOST[$slot]}" -p "$port" || true
    fi
    SHORT_RUN="$short" bench "$json" "$err" "${args[@]}" -h "${HOST[$slot]}" -p "$port" || rc=$?
    thaw
    CELLS[$slot]="$(cell "$json" "$metric" "$kind" "$rc")"
    VALS[$slot]="$(field "$json" "$metric" 2>/dev/null || true)"
  done
  add_row "$label" "$kind"
}

# A second row from the runs of the scenario just run: another metric of the same JSON files.
second_row() { # id label metric kind
  local slot
  CELLS=() VALS=()
  for slot in "${SLOTS[@]}"; do
    if [ -s "$WORK/$1-$slot.json" ]; then
      CELLS[$slot]="$(cell "$WORK/$1-$slot.json" "$3" "$4" 0)"
      VALS[$slot]="$(field "$WORK/$1-$slot.json" "$3")"
    fi
  done
  add_row "$2" "$4"
}

want() { [[ ",$SCENARIOS," == *",$1,"* ]]; }

# ---- main ---------------------------------------------------------------------------------

# 10k connections need 10k descriptors in the broker and in the bench: raise the soft limit.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CONNS + 1000)) ]; then
  CONNS=$(($(ulimit -n) - 1000))
  log "open files limited to $(ulimit -n): the idle-connection scenario uses $CONNS"
fi

ensure_bench
IFS=, read -ra SPECS <<<"$BROKERS"
[ "${#SPECS[@]}" -ge 2 ] || die "--brokers needs two brokers or more, e.g. perch,mosquitto"
# JVM brokers' heaps. Each one's default maximum is half the machine's memory (bin/perch's), and
# with three JVM brokers the machine cannot hold them all: in a run of Perch, HiveMQ CE and
# Moquette (2026-11-30) HiveMQ CE grew to 12 GB in the 64 KiB row and the kernel's OOM killer
# took it. HiveMQ CE needs the most: it keeps what its QoS 0 fan-out subscribers cannot take
# (the queue limits are lifted), and with 22 % of the memory it ran out of heap and spent both
# cores in its GC for the rest of the run. So with three JVM brokers or more, HiveMQ CE keeps
# half and Perch and Moquette get 15 % each; otherwise all get bin/perch's default.
jvms=0
for spec in "${SPECS[@]}"; do
  case "$spec" in perch | hivemq | moquette) jvms=$((jvms + 1)) ;; esac
done
JVM_HEAP="-Xms64m -XX:MaxRAMPercentage=50"
SMALL_HEAP="$JVM_HEAP"
[ "$jvms" -ge 3 ] && SMALL_HEAP="-Xms64m -XX:MaxRAMPercentage=15"
export PERCH_HEAP_OPTS="${PERCH_HEAP_OPTS-$SMALL_HEAP}"
NETTY_OFF="-Dio.netty.leakDetection.level=disabled" # as bin/perch start gives Perch
HIVEMQ_JAVA_OPTS="${PEER_JAVA_OPTS-$JVM_HEAP $NETTY_OFF}"
MOQUETTE_JAVA_OPTS="${PEER_JAVA_OPTS-$SMALL_HEAP $NETTY_OFF}"
for k in "${!SPECS[@]}"; do
  SLOTS+=("$k")
  start_broker "$k" "${SPECS[$k]}"
done
# The ratio column is Perch's (the first perch), else the first broker's.
SUBJECT=0
for k in "${!SLOTS[@]}"; do
  if [ "${KIND[$k]}" = perch ]; then SUBJECT=$k; break; fi
done

D="$SECONDS_PER_RUN"
# Publishing runs WARMUP + D seconds; rates and latency count only the last D (JIT warm-up of
# the bench and of a JVM broker stays out of the numbers; totals and shares cover all of it).
# The drain (wait for missing copies) outlasts Moquette's 5 s resend of unacknowledged messages;
# it only lengthens runs that miss copies, and rates run to the last copy either way.
DRAIN=(--drain 6000)
COMMON=(-i 0 --quiet --duration "$(awk -v a="$D" -v b="$WARMUP" 'BEGIN { print a + b }')" --warmup "$WARMUP" "${DRAIN[@]}")

# One unmeasured pass of QoS 1 load: a JVM broker's JIT compiles for about 8 s under load (C2
# thread time, measured), longer than any one run's warm-up.
warm_pass() { # slot
  log "warm-up pass on ${LABEL[$1]} (${WARM_PASS:-8} s, not measured)"
  freeze_others "$1"
  bench "$WORK/warm-$1.json" "$WORK/warm-$1.log" pubsub -P 1 -S 1 -q 1 -t "b/warm/%i" -i 0 --quiet \
    --duration "${WARM_PASS:-8}" -h "${HOST[$1]}" -p "${TCP[$1]}" || true
  thaw
}

# Memory first, while the brokers are fresh: RSS freed by earlier runs would hide the growth.
if want conn; then
  scenario conn "$CONNS idle conns: memory/conn (lower better)" rssPerConnBytes bytes \
    conn -c "$CONNS" -i 0 --max-connecting 500 --duration 2 --quiet @PID @C1
  second_row conn "$CONNS idle conns: connect rate, fresh process" connectRate connrate
fi
# Every broker gets the warm-up pass; the memory row above stays on fresh processes.
if [ "${WARM_PASS:-8}" -gt 0 ]; then
  for s in conn qos0 qos1 qos2 fanin fanout fanout100 pubs1000 large many latency retained ws; do
    if want "$s"; then
      for slot in "${SLOTS[@]}"; do warm_pass "$slot"; done
      break
    fi
  done
fi
# The connect rate again, now that every broker has served a connect storm and a load: a JVM
# broker's first storm also pays for compiling its connect path (async-profiler found the C2
# compiler with twice the event loop's samples in Perch's second storm), which a broker that
# has been up a while does not.
want conn && scenario connwarm "$CONNS conns: connect rate, after a first storm and the warm-up pass" \
  connectRate connrate conn -c "$CONNS" -i 0 --max-connecting 500 --duration 2 --quiet @C1
want qos0 && scenario qos0 "QoS 0 1->1 saturate (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 1 -q 0 -t "b/q0/%i" "${COMMON[@]}"
want qos1 && scenario qos1 "QoS 1 1->1 saturate (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 1 -q 1 -t "b/q1/%i" "${COMMON[@]}"
want qos2 && scenario qos2 "QoS 2 1->1 saturate (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 1 -q 2 -t "b/q2/%i" "${COMMON[@]}"
want fanin && scenario fanin "fan-in 10->1 QoS 1 (delivered msg/s)" deliverRate rate \
  pubsub -P 10 -S 1 -q 1 -t "b/in/%i" --sub-topic "b/in/+" "${COMMON[@]}"
want fanout && scenario fanout "fan-out 1->10 QoS 1 (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 10 -q 1 -t "b/out" --sub-topic "b/out" "${COMMON[@]}"
want fanout100 && scenario fanout100 "fan-out 1->100 QoS 0 (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 100 -q 0 -t "b/out100" --sub-topic "b/out100" "${COMMON[@]}"
TOTAL_RATE="${BENCH_TOTAL_RATE:-10000}"
want pubs1000 && scenario pubs1000 "1,000 pubs at $(fmt_int "$TOTAL_RATE") msg/s in all -> 1 sub QoS 1: p99 latency (lower better)" \
  latencyP99Ms ms pubsub -P 1000 -S 1 -q 1 --total-rate "$TOTAL_RATE" -t "b/pubs/%i" --sub-topic "b/pubs/+" "${COMMON[@]}"
want large && scenario large "64 KiB payloads QoS 1 1->1 (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 1 -q 1 -s 65536 -t "b/big/%i" "${COMMON[@]}"
want many && scenario many "100->100 pairs QoS 1 (delivered msg/s)" deliverRate rate \
  pubsub -P 100 -S 100 -q 1 -t "b/pair/%i" "${COMMON[@]}"
want latency && scenario latency "5,000 msg/s QoS 1: p99 latency (lower better)" latencyP99Ms ms \
  pubsub -P 1 -S 1 -q 1 --rate 5000 -t "b/lat/%i" "${COMMON[@]}"
# 100 topics hold a retained message each; 1,000 subscribers then connect to b/ret/#: copies per
# second from their first connect to the last of the 100,000 copies. Primed: the first run's
# retained messages are replaced by the measured run's, on the same 100 topics.
want retained && scenario retained "retained: 100 topics -> 1,000 new subs (copies/s)" deliverRate rate \
  pubsub -P 100 -S 1000 -q 1 --count 1 --retain --subs-after -t "b/ret/%i" --sub-topic "b/ret/#" -i 0 --quiet "${DRAIN[@]}" @C1 @PRIME
want ws && scenario ws "WebSocket QoS 1 1->1 (delivered msg/s)" deliverRate rate \
  pubsub -P 1 -S 1 -q 1 -t "b/ws/%i" @WS "${COMMON[@]}"
# Persistent sessions where the durable store matters: a twin of each broker with its store on
# (Perch persistence.mode=redis, HiveMQ file persistence, Mosquitto persistence true, Moquette H2),
# fresh, warmed up, then stopped. 10 subscribers (clean session 0) subscribe and leave; one
# publisher sends PERSIST_COUNT QoS 1 messages; they come back to the queued copies.
PERSIST_COUNT="${BENCH_PERSIST_COUNT:-10000}"
if want persist; then
  BASE=("${SLOTS[@]}")
  TWINS=()
  for k in "${!BASE[@]}"; do
    case "${KIND[$k]}" in
      perch | mosquitto | hivemq | moquette)
        start_broker $((50 + k)) "${KIND[$k]}" persist
        LABEL[$((50 + k))]=${LABEL[$k]}
        TWINS+=($((50 + k)))
        [ "${WARM_PASS:-8}" -gt 0 ] && warm_pass $((50 + k)) ;;
      *) TWINS+=($((50 + k))); TCP[$((50 + k))]="" ;; # an external broker: n/a
    esac
  done
  SLOTS=("${TWINS[@]}")
  scenario persist "persistent, 10 subs away: publish $(fmt_int "$PERSIST_COUNT") QoS 1 (acked msg/s)" ackRate rate \
    pubsub -P 1 -S 10 -q 1 --no-clean --subs-away --count "$PERSIST_COUNT" -t "b/away/%i" --sub-topic "b/away/#" -i 0 --quiet "${DRAIN[@]}"
  second_row persist "persistent, subs back: queued copies (delivered msg/s)" deliverRate rate
  for s in "${TWINS[@]}"; do stop_slot "$s"; done
  SLOTS=("${BASE[@]}")
fi
PERSISTED=""
if want redis; then
  if [ "$REDIS" = 1 ] && [ "${KIND[0]}" != perch ]; then
    PERSISTED="persisted QoS 1 (Redis backend): skipped, the first broker must be perch"
  elif [ "$REDIS" = 1 ]; then
    # A second Perch with the shipped emqx_backend_redis.conf (every QoS 1 message written to
    # its own embedded Redis: hash, TTL, sorted set) against the plain Perch, back to back.
    start_perch 90 1
    LABEL[90]="Perch+Redis"
    plain="$WORK/redis-plain.json" persisted="$WORK/redis-persisted.json"
    log "QoS 1 on Perch without and with the Redis backend"
    # This Perch is a fresh JVM: its JIT compiles for about 8 s of load (C2 thread time, measured),
    # so both sides of this row warm up that long before the measured seconds.
    rw=$(( WARMUP > 8 ? WARMUP : 8 ))
    RCOMMON=(-i 0 --quiet --duration "$(awk -v a="$D" -v b="$rw" 'BEGIN { print a + b }')" --warmup "$rw")
    freeze_others 0
    bench "$plain" "$WORK/redis-plain.log" pubsub -P 1 -S 1 -q 1 -t "b/plain/%i" "${RCOMMON[@]}" -h 127.0.0.1 -p "${TCP[0]}" || true
    thaw
    freeze_others 90
    bench "$persisted" "$WORK/redis-persisted.log" pubsub -P 1 -S 1 -q 1 -t "b/persist/%i" "${RCOMMON[@]}" -h 127.0.0.1 -p "${TCP[90]}" || true
    thaw
    PERSISTED="persisted QoS 1 1->1 (Redis backend on): $(cell "$persisted" deliverRate rate 0) msg/s against $(cell "$plain" deliverRate rate 0) msg/s without it = $(ratio "$(field "$persisted" deliverRate)" "$(field "$plain" deliverRate)") of Perch's own QoS 1"
  else
    PERSISTED="persisted QoS 1 (Redis backend): skipped, run with --redis (or BENCH_REDIS=1)"
  fi
fi

DURABLE_ROWS=()
if [ "$DURABLE" = 1 ]; then
  if [ "${KIND[0]}" != perch ]; then
    DURABLE_ROWS+=("durable sessions: skipped, the first broker must be perch (memory mode) to compare with")
  else
    # A Perch whose persistent sessions live in Redis (its own embedded redis-server), against
    # the first Perch (memory mode), same load with persistent publishers and subscribers.
    start_perch 91 durable
    rw=$(( WARMUP > 8 ? WARMUP : 8 ))
    DCOMMON=(-i 0 --quiet --no-clean -x 3600 --duration "$(awk -v a="$D" -v b="$rw" 'BEGIN { print a + b }')" --warmup "$rw")
    # In the bench arguments @ becomes a topic prefix of each run's own.
    durable_row() { # id label bench-args...
      local id=$1 label=$2 mem="$WORK/durable-$1-mem.json" red="$WORK/durable-$1-redis.json"
      shift 2
      log "$label: memory mode, then persistence.mode=redis"
      freeze_others 0
      bench "$mem" "$WORK/durable-$id-mem.log" "${@//@/b\/dm-$id}" "${DCOMMON[@]}" -h 127.0.0.1 -p "${TCP[0]}" || true
      thaw
      freeze_others 91
      bench "$red" "$WORK/durable-$id-redis.log" "${@//@/b\/dr-$id}" "${DCOMMON[@]}" -h 127.0.0.1 -p "${TCP[91]}" || true
      thaw
      DURABLE_ROWS+=("$label, persistent sessions: $(cell "$red" deliverRate rate 0) msg/s durable (ack=${BENCH_DURABLE_ACK:-redis}) against $(cell "$mem" deliverRate rate 0) msg/s in memory = $(ratio "$(field "$red" deliverRate)" "$(field "$mem" deliverRate)")")
    }
    durable_row qos1 "QoS 1 1->1" pubsub -P 1 -S 1 -q 1 -t "@/%i"
    durable_row qos2 "QoS 2 1->1" pubsub -P 1 -S 1 -q 2 -t "@/%i"
    durable_row fanin "fan-in 10->1 QoS 1" pubsub -P 10 -S 1 -q 1 -t "@/%i" --sub-topic "@/+"
    durable_row fanout "fan-out 1->10 QoS 1" pubsub -P 1 -S 10 -q 1 -t "@" --sub-topic "@"
  fi
fi

# ---- the table ----------------------------------------------------------------------------

COLS=(scenario)
for s in "${SLOTS[@]}"; do COLS+=("${LABEL[$s]}"); done
COLS+=(ratio)
WIDTHS=()
for k in "${!COLS[@]}"; do WIDTHS[$k]=${#COLS[$k]}; done
for r in "${ROWS[@]}"; do
  IFS='|' read -ra f <<<"$r"
  for k in "${!f[@]}"; do [ ${#f[$k]} -gt "${WIDTHS[$k]:-0}" ] && WIDTHS[$k]=${#f[$k]}; done
done
print_row() { # fields...
  local f=("$@") k last=$((${#COLS[@]} - 1)) line
  line="$(printf "%-${WIDTHS[0]}s" "${f[0]}")"
  for ((k = 1; k < last; k++)); do line="$line | $(printf "%${WIDTHS[$k]}s" "${f[$k]:-}")"; done
  echo "$line | ${f[$last]:-}"
}
echo
echo "Perch bench: ${D} s measured after ${WARMUP} s warm-up per run (and one ${WARM_PASS:-8} s warm-up pass per broker), $(nproc) cores, brokers and clients on this host"
print_row "${COLS[@]}"
total=0
for w in "${WIDTHS[@]}"; do total=$((total + w + 3)); done
printf "%s\n" "$(printf '%*s' "$total" '' | tr ' ' '-')"
for r in "${ROWS[@]}"; do
  IFS='|' read -ra f <<<"$r"
  print_row "${f[@]}"
done
echo
others=()
for k in "${!SLOTS[@]}"; do [ "$k" -eq "$SUBJECT" ] || others+=("${LABEL[${SLOTS[$k]}]}"); done
echo "ratio = ${LABEL[${SLOTS[$SUBJECT]}]} / the best of $(IFS=,; echo "${others[*]}" | sed 's/,/, /g') per row (the highest; the lowest where lower is better)."
echo "Cells: the figure, then the delivered share (copies received / copies owed) where copies were owed; dup=N for duplicates."
[ -n "$PERSISTED" ] && echo "$PERSISTED"
for r in "${DURABLE_ROWS[@]}"; do echo "$r"; done
true
