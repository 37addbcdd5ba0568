#!/usr/bin/env bash
# Tear down the upgrade-wizard test world (idempotent; fine when nothing is up):
#   - removes every container (with its anonymous volumes), network and volume
#     labelled io.upgrade-wizard.test=1, and those of Compose projects named uwt*,
#   - the same on engine 2 (UW_ENGINE2_HOST), plus its swarm services labelled so,
#   - stops the registries, the host Postgres and dockerd, but only those that
#     up.sh started (pid files / data dir in the state dir); engine 2 always (the
#     world started it), then removes the bridges the world made for it (uwbr2,
#     uwgwbr2). Its swarm stays in its data root, so the next up.sh reuses it.
# Built images, registry storage and the npm packages of the older Postgres majors
# (UW_WORLD_DIR/cache) stay as a cache, unless --purge: then the fixture images
# (acme/postgres:10, :13 and :15 among them) and the whole state dir go too.
# Usage: test/world/down.sh [--purge]      (npm run world:down)
#        UW_WORLD_KEEP_ENGINE=1 leaves the first engine's dockerd running (when
#        up.sh started it); engine 2 is stopped anyway.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=engine2.sh
source "$WORLD_SRC/engine2.sh"

PURGE=0

# compose_ids container|network|volume: the IDs (volume names) of those whose
# com.docker.compose.project label starts with COMPOSE_PREFIX.
compose_ids() {
  local filter=(--filter label=com.docker.compose.project) project='{{.Label "com.docker.compose.project"}}'
  case "$1" in
    container) docker ps -a "${filter[@]}" --format "{{.ID}} $project" ;;
    network) docker network ls "${filter[@]}" --format "{{.ID}} $project" ;;
    volume) docker volume ls "${filter[@]}" --format "{{.Name}} $project" ;;
  esac | awk -v prefix="$COMPOSE_PREFIX" 'index($2, prefix) == 1 { print $1 }'
}

# What test Compose projects leave: their containers carry the test label only when
# the test set it, and their networks and volumes never do.
remove_compose_projects() {
  [[ -n "$COMPOSE_PREFIX" ]] || return 0
  local ids
  ids="$(compose_ids container)"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") container(s) of compose projects $COMPOSE_PREFIX*"
    # shellcheck disable=SC2086
    docker rm -f -v $ids >/dev/null || log "warning: some compose containers could not be removed"
  fi
  ids="$(compose_ids network)"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") network(s) of compose projects $COMPOSE_PREFIX*"
    # shellcheck disable=SC2086
    docker network rm $ids >/dev/null || log "warning: some compose networks could not be removed (still in use?)"
  fi
  ids="$(compose_ids volume)"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") volume(s) of compose projects $COMPOSE_PREFIX*"
    # shellcheck disable=SC2086
    docker volume rm -f $ids >/dev/null || log "warning: some compose volumes could not be removed (still in use?)"
  fi
}

remove_labelled() {
  if ! docker_answers; then
    log "docker: no engine answers; nothing to remove there"
    return
  fi
  remove_compose_projects
  local ids
  ids="$(docker ps -aq --filter "label=$TEST_LABEL")"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") labelled container(s)"
    # shellcheck disable=SC2086
    docker rm -f -v $ids >/dev/null || log "warning: some containers could not be removed"
  fi
  ids="$(docker network ls -q --filter "label=$TEST_LABEL")"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") labelled network(s)"
    # shellcheck disable=SC2086
    docker network rm $ids >/dev/null || log "warning: some networks could not be removed (still in use?)"
  fi
  ids="$(docker volume ls -q --filter "label=$TEST_LABEL")"
  if [[ -n "$ids" ]]; then
    log "removing $(wc -w <<<"$ids") labelled volume(s)"
    # shellcheck disable=SC2086
    docker volume rm -f $ids >/dev/null || log "warning: some volumes could not be removed (still in use?)"
  fi
  if ((PURGE == 1)); then
    # Only our own repositories: other labelled images (tests' own fixtures) are
    # not ours to delete.
    local refs
    refs="$(docker image ls --format '{{.Repository}}:{{.Tag}}' |
      grep -E "^($REGISTRY_ADDR/acme/|$AUTH_REGISTRY_ADDR/acme/|upgrade-wizard-world/)" |
      grep -v ':<none>$' || true)"
    if [[ -n "$refs" ]]; then
      log "removing $(wc -w <<<"$refs") fixture image tag(s)"
      # shellcheck disable=SC2086
      docker rmi -f $refs >/dev/null || log "warning: some fixture images could not be removed"
    fi
  fi
}

# Engine 2: its labelled things and services first (through it), then the dockerd
# of its pid file (it is always the world's), then the world's bridges.
stop_engine2() {
  if pid_alive "$ENGINE2_PIDFILE" dockerd; then
    (
      export DOCKER_HOST="$ENGINE2_HOST"
      remove_engine2_services
      remove_labelled
    )
    stop_pidfile "$ENGINE2_PIDFILE" "engine 2" dockerd 60
  fi
  remove_engine2_bridges
}

stop_host_pg() {
  local data="$UW_WORLD_DIR/pg/data" bin
  [[ -s "$data/PG_VERSION" ]] || return 0
  bin="/usr/lib/postgresql/$(cat "$data/PG_VERSION")/bin"
  [[ -x "$bin/pg_ctl" ]] || { log "postgres: no pg_ctl at $bin; not stopping"; return 0; }
  if runuser -u postgres -- "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "postgres: stopping the host server"
    runuser -u postgres -- "$bin/pg_ctl" -D "$data" -m fast -w -t 30 stop >/dev/null ||
      die "host Postgres did not stop within 30 s (data: $data)"
  fi
}

main() {
  case "${1:-}" in
    --purge) PURGE=1 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    "") ;;
    *) die "unknown argument: $1 (usage: down.sh [--purge])" ;;
  esac
  if [[ ! -d "$UW_WORLD_DIR" ]]; then
    # Nothing of ours runs without a state dir, but labelled leftovers may.
    remove_labelled
    log "world is down (no state dir $UW_WORLD_DIR)"
    return
  fi
  exec 9>"$UW_WORLD_DIR/.up.lock"
  flock -w 300 9 || die "another up.sh/down.sh holds $UW_WORLD_DIR/.up.lock for more than 300 s"

  remove_labelled
  stop_engine2
  stop_pidfile "$UW_WORLD_DIR/registry/registry.pid" "registry $REGISTRY_ADDR" docker-registry
  stop_pidfile "$UW_WORLD_DIR/registry-auth/registry.pid" "registry $AUTH_REGISTRY_ADDR" docker-registry
  stop_host_pg
  # Last: containers had to be removed through it. Never a dockerd we did not start.
  # UW_WORLD_KEEP_ENGINE=1 keeps it (the world:down test asks the engine afterwards).
  if [[ "${UW_WORLD_KEEP_ENGINE:-0}" != 1 ]]; then
    stop_pidfile "$UW_WORLD_DIR/dockerd.pid" dockerd dockerd 60
  fi

  if ((PURGE == 1)); then
    [[ -f "$UW_WORLD_DIR/.upgrade-wizard-world" ]] ||
      die "$UW_WORLD_DIR lacks the .upgrade-wizard-world marker; not deleting it"
    # dockerd unmounts its layers when it stops; never rm -rf through a mount.
    ! cut -d' ' -f2 /proc/mounts | grep -q "^$UW_WORLD_DIR/" ||
      die "something is still mounted under $UW_WORLD_DIR; not deleting it"
    log "purging $UW_WORLD_DIR"
    rm -rf -- "$UW_WORLD_DIR"
  fi
  log "world is down"
}

main "$@"
