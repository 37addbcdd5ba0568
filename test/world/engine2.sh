# shellcheck shell=bash disable=SC2034 # constants are used by the sourcing scripts
# The second Docker engine of the test world and the single-node Swarm on it.
# Sourced by up.sh and down.sh (after lib.sh), never run.
#
# Debian's dockerd again, fully apart from the first engine: its own socket, data
# root, exec root, pid file, config file (with its own identity key, else both
# engines report the same ID in `docker info`), cgroup parent and managed
# containerd (dockerd starts one under its exec root; its own namespaces too, in
# case a system containerd ever runs and both dockerds would share it).
# Traps found on this machine, do not "simplify" them away:
#   - never --bridge=none nor --default-address-pool: dockerd then deletes the
#     host's docker0 (the first engine's bridge) and its containers lose network.
#     The world makes a Linux bridge of its own (uwbr2) and passes --bridge.
#   - --iptables=false --ip-masq=false --ip-forward=false: the host's rules and
#     forwarding belong to the first engine.
#   - Swarm: docker_gwbridge is created first, on a world subnet (else swarm takes
#     172.17.0.0/16, the first engine's); ingress is removed (test services
#     publish nothing); the gossip port 7946 is fixed, so one swarm per host.
#   - the exec root stays short: containerd's socket paths have a length limit.
# The swarm state stays in the data root across down/up (a single-node manager
# recovers by itself, so up.sh does not pay for a new init); down.sh --purge
# removes it with the data root.

ENGINE2_DIR="$UW_WORLD_DIR/engine2"
ENGINE2_SOCK="$ENGINE2_DIR/docker.sock"
ENGINE2_HOST="unix://$ENGINE2_SOCK"
ENGINE2_PIDFILE="$ENGINE2_DIR/dockerd.pid"
ENGINE2_LOG="$ENGINE2_DIR/dockerd.log"
ENGINE2_EXEC_ROOT="${UW_ENGINE2_EXEC_ROOT:-/run/uw-engine2}"
# Bridges the world created are listed here; down.sh deletes only those.
ENGINE2_BRIDGES_FILE="$ENGINE2_DIR/bridges"
ENGINE2_BRIDGE="uwbr2"
ENGINE2_BRIDGE_ADDR="${UW_ENGINE2_BRIDGE_ADDR:-10.213.0.1/24}"
# The Linux name of engine 2's docker_gwbridge (a docker network of that name;
# the interface is named for the world so down.sh can tell it is ours).
ENGINE2_GWBRIDGE="uwgwbr2"
ENGINE2_GWBRIDGE_SUBNET="${UW_ENGINE2_GWBRIDGE_SUBNET:-10.214.0.0/24}"
SWARM_LISTEN_PORT="${UW_SWARM_LISTEN_PORT:-2477}"
SWARM_DATA_PATH_PORT="${UW_SWARM_DATA_PATH_PORT:-4799}"

# docker2 ARGS...: the docker CLI against engine 2 (the flag wins over DOCKER_HOST),
# bounded like every other wait of the world.
docker2() { timeout 120 docker --host "$ENGINE2_HOST" "$@"; }

engine2_ping() { curl -fsS --max-time 2 --unix-socket "$ENGINE2_SOCK" http://localhost/_ping >/dev/null 2>&1; }

# engine2_subnet_free CIDR: no interface other than our own bridge has an address in
# the /24 of CIDR, and no route but ours covers it.
engine2_subnet_free() {
  local prefix
  prefix="$(cut -d. -f1-3 <<<"${1%/*}")."
  ! ip -4 -o addr show | awk '{print $2, $4}' | grep -vE "^($ENGINE2_BRIDGE|$ENGINE2_GWBRIDGE) " |
    grep -qF " $prefix"
}

ensure_engine2_bridge() {
  if ip link show "$ENGINE2_BRIDGE" >/dev/null 2>&1; then
    ip -4 -o addr show dev "$ENGINE2_BRIDGE" | grep -qF " ${ENGINE2_BRIDGE_ADDR} " ||
      die "$ENGINE2_BRIDGE exists without $ENGINE2_BRIDGE_ADDR; not ours? remove it first"
    return
  fi
  engine2_subnet_free "$ENGINE2_BRIDGE_ADDR" || die "$ENGINE2_BRIDGE_ADDR is already in use on this host (UW_ENGINE2_BRIDGE_ADDR)"
  engine2_subnet_free "$ENGINE2_GWBRIDGE_SUBNET" || die "$ENGINE2_GWBRIDGE_SUBNET is already in use on this host (UW_ENGINE2_GWBRIDGE_SUBNET)"
  log "engine2: creating bridge $ENGINE2_BRIDGE ($ENGINE2_BRIDGE_ADDR)"
  ip link add "$ENGINE2_BRIDGE" type bridge
  grep -qxF "$ENGINE2_BRIDGE" "$ENGINE2_BRIDGES_FILE" 2>/dev/null || echo "$ENGINE2_BRIDGE" >>"$ENGINE2_BRIDGES_FILE"
  ip addr add "$ENGINE2_BRIDGE_ADDR" dev "$ENGINE2_BRIDGE"
  ip link set "$ENGINE2_BRIDGE" up
}

# The config file: a daemon.json of its own; a change restarts engine 2.
write_engine2_config() {
  local config="$ENGINE2_DIR/daemon.json"
  printf '{\n  "deprecated-key-path": "%s"\n}\n' "$ENGINE2_DIR/key.json" >"$config.new"
  if ! cmp -s "$config.new" "$config"; then
    mv "$config.new" "$config"
    stop_pidfile "$ENGINE2_PIDFILE" "engine 2 (config changed)" dockerd 60
  else
    rm -f "$config.new"
  fi
}

ensure_engine2() {
  [[ $EUID -eq 0 ]] || die "engine 2 needs root (a dockerd and a bridge of its own)"
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  mkdir -p "$ENGINE2_DIR/data"
  local docker0_before
  docker0_before="$(ip -4 -o addr show dev docker0 2>/dev/null | awk '{print $4}')"
  ensure_engine2_bridge
  write_engine2_config
  if pid_alive "$ENGINE2_PIDFILE" dockerd; then
    log "engine2: reusing dockerd (pid $(cat "$ENGINE2_PIDFILE"))"
  else
    engine2_ping && die "$ENGINE2_SOCK answers but not with a dockerd started by test/world"
    rm -f "$ENGINE2_PIDFILE"
    log "engine2: starting dockerd on $ENGINE2_HOST (log: $ENGINE2_LOG)"
    # 9>&-: it must not inherit up.sh's lock fd. dockerd writes its own pid file.
    setsid dockerd \
      --host "$ENGINE2_HOST" \
      --data-root "$ENGINE2_DIR/data" \
      --exec-root "$ENGINE2_EXEC_ROOT" \
      --pidfile "$ENGINE2_PIDFILE" \
      --config-file "$ENGINE2_DIR/daemon.json" \
      --cgroup-parent uw-engine2 \
      --containerd-namespace uw-engine2 \
      --containerd-plugins-namespace uw-engine2-plugins \
      --bridge "$ENGINE2_BRIDGE" \
      --iptables=false --ip-masq=false --ip-forward=false \
      >>"$ENGINE2_LOG" 2>&1 </dev/null 9>&- &
  fi
  if ! wait_until "engine 2 to answer on $ENGINE2_SOCK" 60 engine2_ping; then
    tail -n 20 "$ENGINE2_LOG" >&2 || true
    die "engine 2 did not come up (log: $ENGINE2_LOG)"
  fi
  local id1 id2
  id1="$(timeout 10 docker info --format '{{.ID}}' 2>/dev/null)" || die "engine 1 does not answer docker info"
  id2="$(docker2 info --format '{{.ID}}' 2>/dev/null)" || die "engine 2 does not answer docker info"
  [[ "$id1" != "$id2" ]] || die "engine 2 reports the same ID as engine 1 ($id1): its key file is not its own"
  if [[ -n "$docker0_before" && "$(ip -4 -o addr show dev docker0 2>/dev/null | awk '{print $4}')" != "$docker0_before" ]]; then
    die "docker0 lost its address $docker0_before after engine 2 started (see $ENGINE2_LOG)"
  fi
  log "engine2: engine $(docker2 version --format '{{.Server.Version}}') answers on $ENGINE2_HOST"
}

swarm_has_leader() { [[ "$(docker2 node ls --format '{{.ManagerStatus}}' 2>/dev/null)" == Leader ]]; }

# A single-node swarm on engine 2 (left as it is when engine 2 already manages one).
ensure_swarm() {
  local state
  state="$(docker2 info --format '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')" ||
    die "engine 2 does not answer docker info"
  if [[ "$state" == "active true" ]]; then
    log "swarm: reusing the manager on engine 2"
  else
    if [[ "$state" != "inactive false" ]]; then
      log "swarm: engine 2 is '$state'; leaving that swarm"
      docker2 swarm leave --force >/dev/null || die "swarm leave on engine 2 failed"
    fi
    if ! docker2 network inspect docker_gwbridge >/dev/null 2>&1; then
      log "swarm: creating docker_gwbridge ($ENGINE2_GWBRIDGE, $ENGINE2_GWBRIDGE_SUBNET)"
      grep -qxF "$ENGINE2_GWBRIDGE" "$ENGINE2_BRIDGES_FILE" 2>/dev/null || echo "$ENGINE2_GWBRIDGE" >>"$ENGINE2_BRIDGES_FILE"
      docker2 network create -d bridge --subnet "$ENGINE2_GWBRIDGE_SUBNET" \
        --opt com.docker.network.bridge.name="$ENGINE2_GWBRIDGE" \
        --opt com.docker.network.bridge.enable_icc=false \
        --opt com.docker.network.bridge.enable_ip_masquerade=false \
        docker_gwbridge >/dev/null || die "creating docker_gwbridge on engine 2 failed"
    fi
    log "swarm: init on engine 2 (127.0.0.1:$SWARM_LISTEN_PORT, data path port $SWARM_DATA_PATH_PORT)"
    docker2 swarm init --advertise-addr 127.0.0.1 --listen-addr "127.0.0.1:$SWARM_LISTEN_PORT" \
      --data-path-port "$SWARM_DATA_PATH_PORT" 2>>"$ENGINE2_DIR/swarm-init.log" >/dev/null ||
      die "swarm init on engine 2 failed (log: $ENGINE2_DIR/swarm-init.log)"
  fi
  # A restarted manager answers before its raft has a leader; services need one.
  wait_until "the swarm on engine 2 to have a leader" 30 swarm_has_leader ||
    die "the swarm on engine 2 has no leader (log: $ENGINE2_LOG)"
  if docker2 network inspect ingress >/dev/null 2>&1; then
    # The CLI asks before removing ingress; the answer comes from stdin.
    log "swarm: removing the ingress network (test services publish nothing)"
    printf 'y\n' | docker2 network rm ingress >/dev/null || die "removing ingress on engine 2 failed"
  fi
}

# --- down ---------------------------------------------------------------------

# Labelled services (and then their task containers, bounded) on engine 2.
remove_engine2_services() {
  [[ "$(docker2 info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" == true ]] || return 0
  local ids id
  ids="$(docker2 service ls -q --filter "label=$TEST_LABEL")"
  [[ -n "$ids" ]] || return 0
  # `service ls -q` prints short IDs; the tasks' label holds the full one.
  # shellcheck disable=SC2086
  ids="$(docker2 service inspect --format '{{.ID}}' $ids)"
  log "engine2: removing $(wc -w <<<"$ids") labelled service(s)"
  # shellcheck disable=SC2086
  docker2 service rm $ids >/dev/null || log "warning: some services could not be removed"
  for id in $ids; do
    wait_until "the task containers of service $id to go" 30 engine2_service_gone "$id" || true
  done
}

# No container of the service (by its full ID) is left on engine 2.
engine2_service_gone() { [[ -z "$(docker2 ps -aq --filter "label=com.docker.swarm.service.id=$1")" ]]; }

# Bridges the world created (listed in ENGINE2_BRIDGES_FILE), once engine 2 is stopped.
remove_engine2_bridges() {
  [[ -s "$ENGINE2_BRIDGES_FILE" ]] || return 0
  local bridge
  while read -r bridge; do
    [[ "$bridge" == "$ENGINE2_BRIDGE" || "$bridge" == "$ENGINE2_GWBRIDGE" ]] || continue
    if ip link show "$bridge" >/dev/null 2>&1; then
      log "engine2: removing bridge $bridge"
      ip link delete "$bridge" type bridge || log "warning: could not remove bridge $bridge"
    fi
  done <"$ENGINE2_BRIDGES_FILE"
  # The list stays: up.sh makes uwbr2 again, dockerd makes uwgwbr2 again from its
  # docker_gwbridge network (kept in the data root with the swarm).
}
