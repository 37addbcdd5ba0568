# shellcheck shell=bash disable=SC2034 # constants are used by the sourcing scripts
# Shared helpers for the test world scripts (up.sh, down.sh). Sourced, never run.
#
# Everything the world creates lives under UW_WORLD_DIR (state, logs, pid files,
# registry storage, the host Postgres cluster, build contexts) so that down.sh
# --purge can remove it in one go, and nothing touches ~/.docker or system config.

WORLD_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

: "${UW_WORLD_DIR:=/var/tmp/upgrade-wizard-world}"
export UW_WORLD_DIR

# What down.sh removes; the demo world passes its own label so it never touches a test run.
TEST_LABEL="${UW_WORLD_LABEL:-io.upgrade-wizard.test=1}"
# Compose creates its networks and volumes without the services' labels, so down.sh
# also finds them by project name (com.docker.compose.project starts with this);
# test/support/compose.ts names every test project so. A world with its own label
# (the demo) removes no test project unless it names a prefix of its own.
if [[ -n "${UW_WORLD_LABEL:-}" ]]; then
  COMPOSE_PREFIX="${UW_WORLD_COMPOSE_PREFIX:-}"
else
  COMPOSE_PREFIX="${UW_WORLD_COMPOSE_PREFIX:-uwt}"
fi
RECIPE_LABEL="io.upgrade-wizard.recipe"

# Ports can be moved (e.g. to run a second, isolated world next to the usual one);
# tests should read the values from world.env, never assume the defaults.
REGISTRY_ADDR="127.0.0.1:${UW_REGISTRY_PORT:-5000}"
AUTH_REGISTRY_ADDR="127.0.0.1:${UW_AUTH_REGISTRY_PORT:-5001}"
AUTH_REGISTRY_USER="wizard"
AUTH_REGISTRY_PASSWORD="wizard-registry-pw"
AUTH_REGISTRY_REALM="upgrade-wizard-test"

PG_HOST="127.0.0.1"
PG_PORT="${UW_PG_PORT:-55432}"
PG_SUPERUSER="postgres"
PG_SUPERUSER_PASSWORD="world-pg-superuser-pw"

APP_REPO_PATH="acme/app"
PG_REPO_PATH="acme/postgres"
# The ordinary releases; failure variants are listed in fixtures/app/versions.tsv too
# but are not part of UW_APP_TAGS (tests name them explicitly).
APP_TAGS="1.6.0 1.6.1 1.7.0 1.7.2 1.8.0 2.0.0"

# Our own client config dir: pushes and `docker login` to the auth registry must
# never read or write the operator's ~/.docker.
export DOCKER_CONFIG="$UW_WORLD_DIR/docker-config"
# The classic builder: Debian's docker.io 20.10 has no buildx, and our Dockerfiles
# need nothing BuildKit offers.
export DOCKER_BUILDKIT=0

log() { printf '[world] %s\n' "$*" >&2; }
die() { printf '[world] ERROR: %s\n' "$*" >&2; exit 1; }

# wait_until DESCRIPTION MAX_SECONDS CMD...
# Polls CMD every 0.25 s; bounded both by a deadline and by an attempt count so a
# hung CMD or a stopped clock cannot make it loop forever.
wait_until() {
  local what="$1" max="$2"; shift 2
  local attempts=$((max * 4)) i=0 start=$SECONDS
  while ((i < attempts)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    if ((SECONDS - start >= max)); then break; fi
    sleep 0.25
    i=$((i + 1))
  done
  log "timed out after ${max}s waiting for: $what"
  return 1
}

# pid_alive PIDFILE [EXPECTED_COMMAND_SUBSTRING]
# True when the pid file names a live process (whose command line contains the
# expected text, so a recycled pid is not mistaken for ours).
pid_alive() {
  local file="$1" expect="${2:-}" pid
  [[ -s "$file" ]] || return 1
  pid="$(head -n1 "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ -n "$expect" ]]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$expect" || return 1
  fi
}

# stop_pidfile PIDFILE NAME [EXPECTED_COMMAND_SUBSTRING] [TIMEOUT]
# SIGTERM, wait (bounded), then SIGKILL. Only ever signals the pid from our file.
stop_pidfile() {
  local file="$1" name="$2" expect="${3:-}" timeout="${4:-20}" pid
  if ! pid_alive "$file" "$expect"; then
    rm -f "$file"
    return 0
  fi
  pid="$(head -n1 "$file")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until "$name (pid $pid) to exit" "$timeout" bash -c "! kill -0 $pid 2>/dev/null"; then
    log "$name did not exit on SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until "$name (pid $pid) to die" 5 bash -c "! kill -0 $pid 2>/dev/null" ||
      die "could not stop $name (pid $pid)"
  fi
  rm -f "$file"
}

# start_daemon PIDFILE LOGFILE CMD...
# Detached from our session (setsid) so it outlives the npm/bash that started it and
# is not hit by a Ctrl-C aimed at the caller. The pid is written by the process
# itself just before exec, so the pid file names the daemon and not a wrapper.
start_daemon() {
  local pidfile="$1" logfile="$2"; shift 2
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner sh
  # 9>&-: the daemon must not inherit up.sh's lock fd (it would hold the lock forever).
  setsid sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  # Give the wrapper a moment to write the pid file (bounded).
  wait_until "pid file $pidfile" 5 test -s "$pidfile" || true
}

docker_answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Newest Postgres major with server binaries on this machine (Debian layout),
# e.g. /usr/lib/postgresql/15/bin; empty when there is none.
pg_newest_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [[ -x "$d/postgres" ]]; then echo "$d"; fi
  done | sort -t/ -k5,5n | tail -n1
}

# --- apt ----------------------------------------------------------------------

APT_UPDATED=0
# apt_install PKG... : installs the given Debian packages, running `apt-get update`
# at most once per up.sh run.
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "missing packages ($*) and no apt-get to install them"
  [[ $EUID -eq 0 ]] || die "missing packages ($*); run as root so they can be installed"
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2 ||
    die "apt-get install $* failed"
}

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
