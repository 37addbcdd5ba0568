# shellcheck shell=bash
# Fixture image recipes for the test world. Sourced by up.sh after lib.sh.
#
# No image can be pulled here, so every image is FROM scratch: root filesystems are
# assembled from this machine's binaries (busybox-static, Postgres) plus the shared
# libraries ldd reports, packed into deterministic tarballs (sorted, mtime 0, owner
# 0) and ADDed. Layering:
#   upgrade-wizard-world/base:<hash>   busybox + psql + libs + /etc/passwd   (local only)
#   ├── 127.0.0.1:5000/acme/postgres:<major>   + server binaries, share, zoneinfo
#   ├── 127.0.0.1:5000/acme/app:<tag>          + /app (a few KB per tag)
#   └── 127.0.0.1:5000/<product repo>:<tag>    + /app with a product hook, + its CLI
#       (fixtures/products/products.tsv: Quay-, Anchore-, ProGet-like, widget)
# so pushes of the many app tags share one base layer.
#
# Caching: each image's recipe hash (its Dockerfile + the sha256 of its tarball, which
# covers the host binaries too) is stored in the label io.upgrade-wizard.recipe. An
# image is rebuilt only when the local image lacks that hash, and pushed only when
# the registry serves the tag with another hash (or not at all).

BUILD_DIR="$UW_WORLD_DIR/build"
BASE_REPO="upgrade-wizard-world/base"
BASE_REF=""     # set by prepare_base
BASE_HASH=""
BASE_BUILT=0

sha256_of() { sha256sum "$@" | awk '{print $1}'; }

# pack_rootfs DIR TARBALL: a reproducible tar (same inputs -> same bytes -> same hash).
pack_rootfs() {
  tar -C "$1" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -cf "$2" .
}

# copy_into ROOT FILE...: copy files to the same absolute path under ROOT, following
# symlinks (a library is wanted under its soname, with the content of its target).
copy_into() {
  local root="$1" f; shift
  for f in "$@"; do
    mkdir -p "$root$(dirname "$f")"
    cp -L --preserve=mode "$f" "$root$f"
  done
}

# copy_with_libs ROOT BINARY...: the binaries plus every shared library ldd lists,
# including the dynamic loader, at their host paths.
copy_with_libs() {
  local root="$1"; shift
  local libs
  copy_into "$root" "$@"
  libs="$(for f in "$@"; do ldd "$f" 2>/dev/null || true; done |
    awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u)"
  # shellcheck disable=SC2086 # one path per word
  [[ -z "$libs" ]] || copy_into "$root" $libs
}

# recipe_hash FILE...: hash of the given inputs, in order.
recipe_hash() { cat "$@" | sha256sum | awk '{print substr($1, 1, 32)}'; }

local_recipe() {
  docker image inspect --format "{{ index .Config.Labels \"$RECIPE_LABEL\" }}" "$1" 2>/dev/null || true
}

# registry_recipes REGISTRY REPO TAG... -> "tag hash" lines (hash "-" when absent).
registry_recipes() {
  local registry="$1" repo="$2"; shift 2
  local user="" pw=""
  if [[ "$registry" == "$AUTH_REGISTRY_ADDR" ]]; then
    user="$AUTH_REGISTRY_USER" pw="$AUTH_REGISTRY_PASSWORD"
  fi
  UW_REG_USER="$user" UW_REG_PASSWORD="$pw" \
    node "$WORLD_SRC/registry-labels.mjs" "$registry" "$repo" "$RECIPE_LABEL" "$@" ||
    die "cannot read tags of $repo from registry $registry"
}

# build_image CONTEXT_DIR REF: classic build; output kept in a log, shown on failure.
build_image() {
  local ctx="$1" ref="$2" logf="$UW_WORLD_DIR/logs/build.log"
  log "building $ref"
  local no_cache=()
  [[ "${UW_BUILD_NO_CACHE:-0}" == 1 ]] && no_cache=(--no-cache)
  if ! docker build --quiet --force-rm "${no_cache[@]}" -t "$ref" "$ctx" >>"$logf" 2>&1; then
    tail -n 30 "$logf" >&2
    die "docker build of $ref failed (full log: $logf)"
  fi
}

push_image() {
  local ref="$1" logf="$UW_WORLD_DIR/logs/push.log"
  log "pushing $ref"
  if ! docker push "$ref" >>"$logf" 2>&1; then
    tail -n 20 "$logf" >&2
    die "docker push of $ref failed (full log: $logf)"
  fi
}

# finish_dockerfile DIR HASH: Dockerfile = Dockerfile.body + the recipe label.
# The hash is computed over the body, so the label cannot be part of it.
finish_dockerfile() {
  { cat "$1/Dockerfile.body"; printf 'LABEL %s="%s"\n' "$RECIPE_LABEL" "$2"; } >"$1/Dockerfile"
}

# make_skeleton ROOT: merged /usr like the host (/bin, /lib, /lib64 are symlinks
# into /usr), so every path ldd prints lands in one place. Every layer's tarball
# carries the same symlinks: a real /lib directory in an upper layer would shadow
# the base's libraries.
make_skeleton() {
  mkdir -p "$1"/{usr/bin,usr/lib/x86_64-linux-gnu,usr/lib64,var}
  ln -s usr/bin "$1/bin"
  ln -s usr/lib "$1/lib"
  ln -s usr/lib64 "$1/lib64"
  ln -s ../run "$1/var/run"
}

# --- base ---------------------------------------------------------------------

# Assemble the base rootfs and compute its hash; building happens lazily
# (ensure_base_built) because a warm registry needs no build at all.
prepare_base() {
  local ctx="$BUILD_DIR/base" root
  root="$ctx/rootfs"
  rm -rf "$ctx"
  make_skeleton "$root"
  mkdir -p "$root"/{etc,tmp,root,run/postgresql,data}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"

  cp /bin/busybox "$root/usr/bin/busybox"
  local applet
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$root/usr/bin/$applet"
  done

  copy_with_libs "$root" "$PG_BIN/psql"
  # Short PATH names for psql (the Debian /usr/bin/psql is a perl wrapper).
  ln -sf "$PG_BIN/psql" "$root/usr/bin/psql"

  cp "$WORLD_SRC/fixtures/base/passwd" "$WORLD_SRC/fixtures/base/group" \
    "$WORLD_SRC/fixtures/base/nsswitch.conf" "$root/etc/"

  pack_rootfs "$root" "$ctx/rootfs.tar"
  rm -rf "$root"
  cat >"$ctx/Dockerfile.body" <<'EOF'
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/bin:/usr/bin:/bin
LABEL io.upgrade-wizard.test="1"
CMD ["/bin/sh"]
EOF
  BASE_HASH="$(recipe_hash "$ctx/Dockerfile.body" "$ctx/rootfs.tar")"
  BASE_REF="$BASE_REPO:$BASE_HASH"
  finish_dockerfile "$ctx" "$BASE_HASH"
}

ensure_base_built() {
  ((BASE_BUILT == 0)) || return 0
  if [[ "$(local_recipe "$BASE_REF")" != "$BASE_HASH" ]]; then
    build_image "$BUILD_DIR/base" "$BASE_REF"
  fi
  BASE_BUILT=1
}

# ensure_image CONTEXT_DIR HASH REPO TAG [ALSO_AUTH]
# Skip when the registry already has the recipe; else build (unless the local image
# is current) and push. With ALSO_AUTH=1 the tag also goes to the auth registry.
ensure_image() {
  local ctx="$1" hash="$2" repo="$3" tag="$4" also_auth="${5:-0}"
  local ref="$REGISTRY_ADDR/$repo:$tag"
  local in_reg="${REG_RECIPES[$REGISTRY_ADDR/$repo:$tag]:--}"
  local in_auth="${REG_RECIPES[$AUTH_REGISTRY_ADDR/$repo:$tag]:--}"
  local need_main=0 need_auth=0
  [[ "$in_reg" == "$hash" ]] || need_main=1
  [[ "$also_auth" == 1 && "$in_auth" != "$hash" ]] && need_auth=1
  if ((need_main == 0 && need_auth == 0)); then
    return 0
  fi
  if [[ "$(local_recipe "$ref")" != "$hash" ]]; then
    ensure_base_built
    build_image "$ctx" "$ref"
  fi
  ((need_main == 0)) || push_image "$ref"
  if ((need_auth == 1)); then
    docker tag "$ref" "$AUTH_REGISTRY_ADDR/$repo:$tag"
    push_image "$AUTH_REGISTRY_ADDR/$repo:$tag"
  fi
}

# Fill REG_RECIPES["registry/repo:tag"]=hash for the tags we care about (one node
# call per registry and repository). A TAG given as REPO:TAG names its own
# repository, so many repositories cost one node start (REPO is then "-").
declare -gA REG_RECIPES=()
load_registry_recipes() {
  local registry="$1" repo="$2"; shift 2
  local tag value
  while read -r tag value; do
    if [[ "$tag" == *:* ]]; then
      REG_RECIPES["$registry/$tag"]="$value"
    else
      REG_RECIPES["$registry/$repo:$tag"]="$value"
    fi
  done < <(registry_recipes "$registry" "$repo" "$@")
}

# --- postgres -----------------------------------------------------------------

prepare_postgres() {
  local major="$PG_MAJOR" ctx="$BUILD_DIR/postgres-$PG_MAJOR" root
  root="$ctx/rootfs"
  rm -rf "$ctx"
  make_skeleton "$root"
  mkdir -p "$root"/{usr/local/bin,var/lib/postgresql/data,docker-entrypoint-initdb.d}
  chmod 700 "$root/var/lib/postgresql/data"

  local bins=() b
  for b in postgres initdb pg_ctl pg_isready pg_dump pg_restore pg_dumpall createdb dropdb; do
    bins+=("$PG_BIN/$b")
  done
  # Server modules (plpgsql, encodings, contrib), without the LLVM JIT: it would drag
  # in libLLVM (>100 MB) and the server runs fine without it.
  local mods=()
  local libdir="/usr/lib/postgresql/$major/lib"
  mapfile -t mods < <(find "$libdir" -maxdepth 1 -name '*.so' ! -name 'llvmjit*' | sort)
  copy_with_libs "$root" "${bins[@]}" "${mods[@]}"
  # The base image has these already; keep the layer to what is new.
  mkdir -p "$root/usr/share/postgresql" "$root/usr/share"
  cp -a "/usr/share/postgresql/$major" "$root/usr/share/postgresql/"
  rm -rf "$root/usr/share/postgresql/$major/man"
  # Debian builds Postgres --with-system-tzdata.
  cp -a /usr/share/zoneinfo "$root/usr/share/zoneinfo"
  install -m 0755 "$WORLD_SRC/fixtures/postgres/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  # Files identical to the base's would only be duplicated in this layer.
  (cd "$root" && find . -type f -path './usr/lib/x86_64-linux-gnu/*' -o -path './usr/lib64/*' -type f) |
    while read -r f; do
      if [[ -n "${BASE_LIBS[${f#.}]:-}" ]]; then rm -f "$root/$f"; fi
    done
  pack_rootfs "$root" "$ctx/rootfs.tar"
  rm -rf "$root"

  local version
  version="$("$PG_BIN/postgres" -V | awk '{print $3}')"
  sed -e "s|@BASE@|$BASE_REF|g" -e "s|@MAJOR@|$major|g" -e "s|@VERSION@|$version|g" \
    "$WORLD_SRC/fixtures/postgres/Dockerfile.in" >"$ctx/Dockerfile.body"
  PG_IMAGE_HASH="$(recipe_hash "$ctx/Dockerfile.body" "$ctx/rootfs.tar")"
  finish_dockerfile "$ctx" "$PG_IMAGE_HASH"
}

# --- app ----------------------------------------------------------------------

# install_app_core ROOT SCHEMA VARIANT: /app's entrypoint, HTTP handler and
# migrations 1..SCHEMA (a variant's files replacing some), shared by acme/app and
# the product images.
install_app_core() {
  local root="$1" schema="$2" variant="$3" src="$WORLD_SRC/fixtures/app" n nnn files=()
  mkdir -p "$root/app/migrations"
  install -m 0755 "$src/entrypoint" "$src/http-handler" "$root/app/"
  # Globs and printf -v, not a subshell per file: this runs for every tag on every up.sh.
  for ((n = 1; n <= schema; n++)); do
    printf -v nnn '%03d' "$n"
    files+=("$src/migrations/$nnn"-*.sql)
  done
  ((${#files[@]} == 0)) || cp "${files[@]}" "$root/app/migrations/"
  if [[ -d "$src/variants/$variant" ]]; then
    cp "$src/variants/$variant"/*.sql "$root/app/migrations/"
  fi
}

# prepare_app TAG SCHEMA MIN_FROM FLAVOR VARIANT HC_TIMEOUT HC_RETRIES HC_START WORKDIR
# Sets APP_HASH.
prepare_app() {
  local tag="$1" schema="$2" min_from="$3" flavor="$4" variant="$5"
  local hc_timeout="$6" hc_retries="$7" hc_start="$8" workdir="$9"
  local ctx="$BUILD_DIR/app-$tag" root src="$WORLD_SRC/fixtures/app"
  root="$ctx/rootfs"
  rm -rf "$ctx"
  mkdir -p "$root$workdir"
  install_app_core "$root" "$schema" "$variant"
  printf 'APP_VERSION=%s\nAPP_SCHEMA=%s\nAPP_VARIANT=%s\n' "$tag" "$schema" "$variant" >"$root/app/release"
  pack_rootfs "$root" "$ctx/app.tar"
  rm -rf "$root"

  sed -e "s|@BASE@|$BASE_REF|g" -e "s|@TAG@|$tag|g" -e "s|@SCHEMA@|$schema|g" \
    -e "s|@MIN_FROM@|$min_from|g" -e "s|@FLAVOR@|$flavor|g" -e "s|@VARIANT@|$variant|g" \
    -e "s|@HC_TIMEOUT@|$hc_timeout|g" -e "s|@HC_RETRIES@|$hc_retries|g" \
    -e "s|@HC_START@|$hc_start|g" -e "s|@WORKDIR@|$workdir|g" \
    "$src/Dockerfile.in" >"$ctx/Dockerfile.body"
  APP_HASH="$(recipe_hash "$ctx/Dockerfile.body" "$ctx/app.tar")"
  finish_dockerfile "$ctx" "$APP_HASH"
}

# The fixture table without comments: tag schema min_from flavor variant ... workdir
app_versions() { grep -v -e '^#' -e '^[[:space:]]*$' "$WORLD_SRC/fixtures/app/versions.tsv"; }

# --- products -----------------------------------------------------------------

# prepare_product PRODUCT REPO TAG SCHEMA VARIANT: acme's /app plus the product's
# hook (/app/product.sh, product-http.sh, the shared product-common.sh) and its
# command-line wrapper. Sets PRODUCT_HASH.
prepare_product() {
  local product="$1" repo="$2" tag="$3" schema="$4" variant="$5"
  local ctx="$BUILD_DIR/product-$product-$tag" root src="$WORLD_SRC/fixtures/products"
  local dockerfile="Dockerfile.in" migrations="$variant" layers=("app.tar")
  root="$ctx/rootfs"
  rm -rf "$ctx"
  # "embedded" and "embedded-<variant>": the image also carries the world's
  # Postgres server (the postgres fixture's layer) and runs it as its own database.
  if [[ "$variant" == embedded* ]]; then
    dockerfile="Dockerfile.embedded.in"
    migrations="${variant#embedded}" migrations="${migrations#-}"
    [[ -n "$migrations" ]] || migrations=normal
    mkdir -p "$ctx"
    cp "$BUILD_DIR/postgres-$PG_MAJOR/rootfs.tar" "$ctx/pg.tar"
    layers=("pg.tar" "app.tar")
  fi
  install_app_core "$root" "$schema" "$migrations"
  install -m 0644 "$src/common/hooks.sh" "$root/app/product-common.sh"
  install -m 0644 "$src/$product/hooks.sh" "$root/app/product.sh"
  install -m 0644 "$src/$product/http.sh" "$root/app/product-http.sh"
  printf 'APP_NAME=%s\nAPP_VERSION=%s\nAPP_SCHEMA=%s\nAPP_VARIANT=%s\n' \
    "$repo" "$tag" "$schema" "$variant" >"$root/app/release"
  # Each product's own commands, where the real image has them.
  case "$product" in
    quay)
      mkdir -p "$root/quay-registry" "$root/conf/stack"
      install -m 0755 "$src/quay/quay-entrypoint.sh" "$root/quay-registry/"
      ;;
    anchore)
      mkdir -p "$root/usr/local/bin"
      install -m 0755 "$src/anchore/anchore-manager" "$root/usr/local/bin/"
      ;;
    proget)
      mkdir -p "$root/usr/local/proget/service"
      install -m 0755 "$src/proget/proget" "$root/usr/local/proget/service/"
      ;;
  esac
  pack_rootfs "$root" "$ctx/app.tar"
  rm -rf "$root"

  sed -e "s|@BASE@|$BASE_REF|g" -e "s|@TAG@|$tag|g" -e "s|@SCHEMA@|$schema|g" \
    -e "s|@VARIANT@|$variant|g" -e "s|@PG_MAJOR@|$PG_MAJOR|g" "$src/$product/$dockerfile" >"$ctx/Dockerfile.body"
  PRODUCT_HASH="$(recipe_hash "$ctx/Dockerfile.body" "${layers[@]/#/$ctx/}")"
  finish_dockerfile "$ctx" "$PRODUCT_HASH"
}

# The product table without comments: product repo tag schema variant
product_versions() { grep -v -e '^#' -e '^[[:space:]]*$' "$WORLD_SRC/fixtures/products/products.tsv"; }

# product_repos -> "product repo" lines, one per product, in table order.
product_repos() { product_versions | awk '!seen[$1]++ {print $1, $2}'; }

# product_tags PRODUCT -> its tags, space-separated.
product_tags() { product_versions | awk -v p="$1" '$1 == p {print $3}' | tr '\n' ' ' | sed 's/ $//'; }

# build_products "PRODUCT REPO TAG HASH"...: one background job per product (its
# tags in order), because the classic builder spends seconds per tag on
# bookkeeping, not CPU: a cold world builds the product tags in parallel, not
# one after the other. The base is built first, once, so no job races for it.
build_products() {
  ensure_base_built
  local products=() product job pids=() failed=0 pid
  mapfile -t products < <(printf '%s\n' "$@" | awk '!seen[$1]++ {print $1}')
  for product in "${products[@]}"; do
    (
      for job in "$@"; do
        read -r p repo tag hash <<<"$job"
        [[ "$p" == "$product" ]] || continue
        ensure_image "$BUILD_DIR/product-$p-$tag" "$hash" "$repo" "$tag"
      done
    ) &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "building or pushing a product image failed (logs: $UW_WORLD_DIR/logs/build.log, push.log)"
}

ensure_products() {
  local product repo tag schema variant line
  # shellcheck disable=SC2046 # one repo:tag per word
  load_registry_recipes "$REGISTRY_ADDR" - $(product_versions | awk '{print $2 ":" $3}')
  # Prepare all (cheap), then build and push only what the registry lacks.
  local todo=()
  while read -r product repo tag schema variant; do
    prepare_product "$product" "$repo" "$tag" "$schema" "$variant"
    if [[ "${REG_RECIPES[$REGISTRY_ADDR/$repo:$tag]:--}" != "$PRODUCT_HASH" ]]; then
      todo+=("$product $repo $tag $PRODUCT_HASH")
    fi
  done < <(product_versions)
  ((${#todo[@]} > 0)) && build_products "${todo[@]}"
  while read -r line; do log "images: $REGISTRY_ADDR/$line"; done < <(product_versions |
    awk '!seen[$2]++ {order[n++] = $2; tags[$2] = $3; next} {tags[$2] = tags[$2] "," $3}
      END {for (i = 0; i < n; i++) print order[i] ":{" tags[order[i]] "}"}')
}

# --- all ----------------------------------------------------------------------

ensure_images() {
  mkdir -p "$BUILD_DIR" "$UW_WORLD_DIR/logs"
  : >"$UW_WORLD_DIR/logs/build.log"
  : >"$UW_WORLD_DIR/logs/push.log"

  prepare_base
  # Which library paths the base already carries (so the postgres layer skips them).
  declare -gA BASE_LIBS=()
  local p
  while read -r p; do BASE_LIBS["$p"]=1; done < <(tar -tf "$BUILD_DIR/base/rootfs.tar" |
    sed -n -e 's|^\./|/|' -e '\|^/usr/lib|p')

  local all_tags=() line
  while read -r line; do all_tags+=("${line%% *}"); done < <(app_versions)
  # shellcheck disable=SC2086
  load_registry_recipes "$REGISTRY_ADDR" "$APP_REPO_PATH" "${all_tags[@]}"
  # shellcheck disable=SC2086
  load_registry_recipes "$AUTH_REGISTRY_ADDR" "$APP_REPO_PATH" $APP_TAGS
  load_registry_recipes "$REGISTRY_ADDR" "$PG_REPO_PATH" "$PG_MAJOR"

  prepare_postgres
  ensure_image "$BUILD_DIR/postgres-$PG_MAJOR" "$PG_IMAGE_HASH" "$PG_REPO_PATH" "$PG_MAJOR"

  local tag schema min_from flavor variant hc_timeout hc_retries hc_start workdir also_auth
  while read -r tag schema min_from flavor variant hc_timeout hc_retries hc_start workdir; do
    prepare_app "$tag" "$schema" "$min_from" "$flavor" "$variant" \
      "$hc_timeout" "$hc_retries" "$hc_start" "$workdir"
    also_auth=0
    [[ " $APP_TAGS " == *" $tag "* ]] && also_auth=1
    ensure_image "$BUILD_DIR/app-$tag" "$APP_HASH" "$APP_REPO_PATH" "$tag" "$also_auth"
  done < <(app_versions)
  log "images: $REGISTRY_ADDR/$PG_REPO_PATH:$PG_MAJOR and $REGISTRY_ADDR/$APP_REPO_PATH:{${all_tags[*]}}"
  ensure_products
}
