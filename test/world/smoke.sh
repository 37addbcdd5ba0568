#!/usr/bin/env bash
# Smoke test of a running test world (after up.sh): proves the parts work together
# the way the integration tests use them. Creates only labelled containers, a
# labelled network and throwaway databases, and removes them on exit.
#   - acme/app 1.6.0 on the host Postgres through the bind-mounted socket dir:
#     healthy, HTTP endpoints, schema 3 with rows; upgraded by hand to 1.7.0 -> 5
#   - 1.7.1-badmigration leaves schema 4, 1.7.1-crash exits 1, 1.7.1-unhealthy
#     turns unhealthy and keeps running
#   - acme/postgres: healthy, psql from another container, pg_dump inside
#   - registries: tags listed; the auth registry answers 401 without, 200 with creds
#   - engine 2: another engine ID than engine 1, app 1.6.0 pulled from the registry
#     and healthy there, a swarm manager that answers, docker0 still addressed
# Usage: test/world/smoke.sh
set -euo pipefail

ENV_FILE="${UW_WORLD_DIR:-/var/tmp/upgrade-wizard-world}/world.env"
[[ -f "$ENV_FILE" ]] || { echo "smoke: $ENV_FILE missing; run test/world/up.sh first" >&2; exit 1; }
set -a
# shellcheck disable=SC1090
. "$ENV_FILE"
set +a
export DOCKER_CONFIG="$UW_WORLD_DIR/docker-config"

PREFIX="uw-smoke-$$"
# --pull never: the images come from the local registry (pulled below), never from
# anywhere else, even when a name is mistyped.
LABEL=(--label "$UW_TEST_LABEL" --pull never)
FAILED=0
DBS=()

say() { printf '[smoke] %s\n' "$*" >&2; }
ok() { say "ok: $*"; }
fail() { say "FAIL: $*"; FAILED=1; }
# expect DESCRIPTION CMD...: ok when CMD succeeds, else a failure (the run goes on).
expect() {
  local what="$1"; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
eq() { [[ "$1" == "$2" ]]; }

psql_super() {
  PGPASSWORD="$UW_PG_SUPERUSER_PASSWORD" "$UW_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$UW_PG_HOST" -p "$UW_PG_PORT" -U "$UW_PG_SUPERUSER" -d postgres "$@"
}

# new_db NAME: a database owned by a login role of the same name (password NAME-pw).
new_db() {
  psql_super -c "CREATE ROLE \"$1\" LOGIN PASSWORD '$1-pw'" -c "CREATE DATABASE \"$1\" OWNER \"$1\""
  DBS+=("$1")
}

db_query() {
  PGPASSWORD="$1-pw" "$UW_PG_BIN/psql" -X -q -tA -h "$UW_PG_HOST" -p "$UW_PG_PORT" -U "$1" -d "$1" -c "$2"
}

cleanup() {
  local ids
  ids="$(docker ps -aq --filter "name=$PREFIX")"
  # shellcheck disable=SC2086
  [[ -z "$ids" ]] || docker rm -f -v $ids >/dev/null 2>&1 || true
  docker network rm "$PREFIX-net" >/dev/null 2>&1 || true
  ids="$(docker --host "$UW_ENGINE2_HOST" ps -aq --filter "name=$PREFIX" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [[ -z "$ids" ]] || docker --host "$UW_ENGINE2_HOST" rm -f -v $ids >/dev/null 2>&1 || true
  local db
  for db in "${DBS[@]}"; do
    psql_super -c "DROP DATABASE IF EXISTS \"$db\"" -c "DROP ROLE IF EXISTS \"$db\"" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# wait_health CONTAINER WANTED MAX_SECONDS -> prints the seconds it took
wait_health() {
  local c="$1" want="$2" max="$3" start=$SECONDS i status=""
  for ((i = 0; i < max * 4; i++)); do
    status="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$c" 2>/dev/null || true)"
    [[ "$status" == "$want" ]] && { echo $((SECONDS - start)); return 0; }
    ((SECONDS - start < max)) || break
    sleep 0.25
  done
  say "$c is '$status', not '$want', after ${max}s; its log:"
  docker logs "$c" 2>&1 | tail -n 20 >&2
  return 1
}

app_run() { # app_run NAME DB TAG [docker run args...] [-- container args...]
  local name="$1" db="$2" tag="$3"; shift 3
  local opts=()
  while (($# > 0)) && [[ "$1" != -- ]]; do opts+=("$1"); shift; done
  (($# == 0)) || shift
  docker run "${LABEL[@]}" --name "$PREFIX-$name" -v "$UW_PG_SOCKET_DIR:/run/postgresql" \
    -e "DATABASE_URL=postgresql://$db:$db-pw@/$db?host=/run/postgresql" "${opts[@]}" \
    "$UW_APP_REPO:$tag" "$@"
}

check_app() {
  local db="${PREFIX//-/_}_app" t port
  new_db "$db"
  app_run app "$db" 1.6.0 -d -p 127.0.0.1::8080 >/dev/null
  if t="$(wait_health "$PREFIX-app" healthy 10)"; then ok "app 1.6.0 healthy in ~${t}s"; else fail "app 1.6.0 not healthy"; fi
  port="$(docker port "$PREFIX-app" 8080/tcp | head -n1)"
  expect "GET /health/endtoend 200" \
    eq "$(curl -s -o /dev/null -w '%{http_code}' "http://$port/health/endtoend")" 200
  expect "GET /version" eq "$(curl -s "http://$port/version")" '{"version":"1.6.0","schema":3}'
  expect "schema 3" eq "$(db_query "$db" 'SELECT version FROM schema_version')" 3
  expect "50 accounts" eq "$(db_query "$db" 'SELECT count(*) FROM accounts')" 50
  expect "no password in the log" eq "$(docker logs "$PREFIX-app" 2>&1 | grep -c "$db-pw")" 0

  # Upgrade by hand, the way the wizard does it.
  docker stop "$PREFIX-app" >/dev/null
  docker rename "$PREFIX-app" "$PREFIX-app-old"
  app_run app "$db" 1.7.0 -d --volumes-from "$PREFIX-app-old" >/dev/null
  if t="$(wait_health "$PREFIX-app" healthy 15)"; then ok "app 1.7.0 healthy in ~${t}s"; else fail "app 1.7.0 not healthy"; fi
  expect "migrated to schema 5" eq "$(db_query "$db" 'SELECT version FROM schema_version')" 5
  expect "300 widgets" eq "$(db_query "$db" 'SELECT count(*) FROM widgets')" 300
}

check_failures() {
  local db="${PREFIX//-/_}_fail" rc
  new_db "$db"
  app_run m "$db" 1.6.0 --rm -- migrate >/dev/null
  rc=0; app_run bad "$db" 1.7.1-badmigration >/dev/null 2>&1 || rc=$?
  expect "1.7.1-badmigration exits non-zero ($rc)" test "$rc" -ne 0
  expect "1.7.1-badmigration left the database at schema 4" \
    eq "$(db_query "$db" 'SELECT version FROM schema_version')" 4
  rc=0; app_run crash "$db" 1.7.1-crash >/dev/null 2>&1 || rc=$?
  expect "1.7.1-crash exits 1 ($rc)" test "$rc" -eq 1
  expect "1.7.1-crash did not migrate" eq "$(db_query "$db" 'SELECT version FROM schema_version')" 4
  app_run unhealthy "$db" 1.7.1-unhealthy -d >/dev/null
  local t
  if t="$(wait_health "$PREFIX-unhealthy" unhealthy 20)"; then
    ok "1.7.1-unhealthy unhealthy in ~${t}s"
    expect "1.7.1-unhealthy keeps running" eq "$(docker inspect -f '{{.State.Running}}' "$PREFIX-unhealthy")" true
  else
    fail "1.7.1-unhealthy never turned unhealthy"
  fi
}

check_postgres_image() {
  local t
  docker network create --label "$UW_TEST_LABEL" "$PREFIX-net" >/dev/null
  docker run -d "${LABEL[@]}" --name "$PREFIX-pg" --network "$PREFIX-net" \
    -e POSTGRES_PASSWORD=smoke-pw -e POSTGRES_USER=acme -e POSTGRES_DB=acme "$UW_PG_IMAGE" >/dev/null
  if t="$(wait_health "$PREFIX-pg" healthy 30)"; then ok "postgres image healthy in ~${t}s"; else fail "postgres image not healthy"; fi
  expect "psql from another container" eq "$(docker run --rm "${LABEL[@]}" --network "$PREFIX-net" \
    -e PGPASSWORD=smoke-pw "$UW_PG_IMAGE" psql -X -tA -h "$PREFIX-pg" -U acme -d acme -c 'SELECT 42')" 42
  expect "pg_dump inside the container" docker exec "$PREFIX-pg" pg_dump -U acme -d acme -Fc -f /tmp/smoke.dump
  expect "pg_restore --list of that dump" docker exec "$PREFIX-pg" pg_restore --list /tmp/smoke.dump >/dev/null
}

check_registries() {
  local tags tag
  tags="$(curl -s "http://$UW_REGISTRY/v2/acme/app/tags/list")"
  for tag in $UW_APP_TAGS $UW_APP_FAILURE_TAGS; do
    [[ "$tags" == *"\"$tag\""* ]] || fail "tag $tag missing from $UW_REGISTRY"
  done
  ok "registry $UW_REGISTRY lists the app tags"
  expect "auth registry: 401 without credentials" \
    eq "$(curl -s -o /dev/null -w '%{http_code}' "http://$UW_AUTH_REGISTRY/v2/")" 401
  expect "auth registry: 200 with credentials" eq "$(curl -s -o /dev/null -w '%{http_code}' \
    -u "$UW_AUTH_REGISTRY_USER:$UW_AUTH_REGISTRY_PASSWORD" "http://$UW_AUTH_REGISTRY/v2/acme/app/tags/list")" 200
}

pull_images() {
  local tag
  for tag in 1.6.0 1.7.0 1.7.1-badmigration 1.7.1-crash 1.7.1-unhealthy; do
    docker pull -q "$UW_APP_REPO:$tag" >/dev/null || fail "docker pull $UW_APP_REPO:$tag"
  done
  docker pull -q "$UW_PG_IMAGE" >/dev/null || fail "docker pull $UW_PG_IMAGE"
  ((FAILED)) || ok "pulled the images from $UW_REGISTRY"
}

pull_on_engine2() { docker --host "$UW_ENGINE2_HOST" pull -q "$1" >/dev/null; }

check_engine2() {
  local d2=(docker --host "$UW_ENGINE2_HOST") db="${PREFIX//-/_}_e2" id1 id2 t
  id1="$(docker info --format '{{.ID}}')"
  id2="$("${d2[@]}" info --format '{{.ID}}')"
  expect "engine 2 answers with another ID than engine 1 ($id2)" test -n "$id2" -a "$id1" != "$id2"
  expect "engine 2 pulls $UW_APP_REPO:1.6.0" pull_on_engine2 "$UW_APP_REPO:1.6.0"
  new_db "$db"
  DOCKER_HOST="$UW_ENGINE2_HOST" app_run e2app "$db" 1.6.0 -d >/dev/null
  if t="$(DOCKER_HOST="$UW_ENGINE2_HOST" wait_health "$PREFIX-e2app" healthy 15)"; then
    ok "app 1.6.0 healthy on engine 2 in ~${t}s"
  else
    fail "app 1.6.0 not healthy on engine 2"
  fi
  expect "the swarm manager on engine 2 answers" eq "$(docker --host "$UW_SWARM_HOST" node ls \
    --format '{{.Status}} {{.ManagerStatus}}')" "Ready Leader"
  expect "docker0 has an IPv4 address" test -n "$(ip -4 -o addr show dev docker0 2>/dev/null)"
}

check_registries
pull_images
check_engine2
check_app
check_failures
check_postgres_image
if ((FAILED)); then say "FAILED"; exit 1; fi
say "all checks passed"
