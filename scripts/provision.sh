#!/usr/bin/env bash
# Builds (once) and caches every real peer the tests and `driftless dev` use.
# Binaries land in $DRIFTLESS_CACHE/bin (default ~/.cache/driftless/bin), named <tool>-<version>,
# with an unversioned symlink next to each. Re-running is a no-op when everything is cached.
# Usage: scripts/provision.sh [tool ...]   (default: every tool but `bench`, Flux's controllers for `npm run bench`;
# Flux's helm-controller is in the default too, built in the helm lane: the handover e2e test runs it)
# Builds run two at a time (DRIFTLESS_PROVISION_JOBS); a failed build fails the script after the others finish.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.34.4}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-5.8.2}  # 5.8.3 needs Go 1.27
SOPS_VERSION=${SOPS_VERSION:-3.13.3}  # `go list -m -versions github.com/getsops/sops/v3`
AGE_VERSION=${AGE_VERSION:-1.3.1}  # age-keygen, to make identities for the SOPS tests
HELM_VERSION=${HELM_VERSION:-4.3.1}  # the Helm reconciler drives it; `go list -m -versions helm.sh/helm/v4`
HELM3_VERSION=${HELM3_VERSION:-3.22.0}  # compatibility checks only: Helm 3 reads the releases Driftless writes
REGISTRY_VERSION=${REGISTRY_VERSION:-3.1.2}  # OCI registry for the OCIRepository tests; `go list -m -versions github.com/distribution/distribution/v3`
ORAS_VERSION=${ORAS_VERSION:-1.3.6}  # pushes artifacts of other media types and multi-layer manifests in the OCI tests
COSIGN_VERSION=${COSIGN_VERSION:-3.1.3}  # signs artifacts in the OCIRepository spec.verify tests; `go list -m -versions github.com/sigstore/cosign/v3`
VERSITYGW_VERSION=${VERSITYGW_VERSION:-1.8.0}  # S3 server for the Bucket tests (Signature V4); `go list -m -versions github.com/versity/versitygw`
NATS_VERSION=${NATS_VERSION:-2.15.2}  # NATS server for the nats Provider tests; `go list -m -versions github.com/nats-io/nats-server/v2`
FLUX_VERSION=${FLUX_VERSION:-2.9.5}  # go directive 1.26.0; `go list -m -versions github.com/fluxcd/flux2/v2`
# Benchmark peers only (`bench` target, never in the default list): Flux's controllers at the versions flux2
# v$FLUX_VERSION pins in its go.mod (`github.com/fluxcd/<controller>/api vX`); empty means "read flux2's go.mod".
SOURCE_CONTROLLER_VERSION=${SOURCE_CONTROLLER_VERSION:-}
KUSTOMIZE_CONTROLLER_VERSION=${KUSTOMIZE_CONTROLLER_VERSION:-}
NOTIFICATION_CONTROLLER_VERSION=${NOTIFICATION_CONTROLLER_VERSION:-}
# Flux's helm-controller is also a test peer (the `helm` target builds it): test/e2e/helm-handover.test.ts hands
# releases between it and Driftless. Not the project's own helm-controller helper (build_helm_controller).
HELM_CONTROLLER_VERSION=${HELM_CONTROLLER_VERSION:-}

CACHE=${DRIFTLESS_CACHE:-$HOME/.cache/driftless}
BIN="$CACHE/bin"
WORK="$CACHE/build"
mkdir -p "$BIN" "$WORK"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

log() { printf '[provision] %s\n' "$*" >&2; }
have() { [ -x "$BIN/$1-$2" ]; }
link() { ln -sf "$1-$2" "$BIN/$1"; }

build_kubernetes() {
  local tools=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
  local missing=0
  for t in "${tools[@]}"; do have "$t" "$K8S_VERSION" || missing=1; done
  if [ "$missing" = 0 ]; then for t in "${tools[@]}"; do link "$t" "$K8S_VERSION"; done; return; fi
  log "building Kubernetes v$K8S_VERSION (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl); first time takes 10-20 minutes"
  local dir="$WORK/kubernetes-$K8S_VERSION"
  mkdir -p "$dir"
  local gomod
  gomod=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module driftless.local/kubernetes-wrapper"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes v$K8S_VERSION"
    echo
    # The kubernetes module points its k8s.io/* staging modules at ./staging; pin each to the published v0.X.Y instead.
    grep -E '^\s*k8s\.io/[^ ]+ => \./staging/' "$gomod" | awk -v v="v0.${K8S_VERSION#1.}" '{print "replace " $1 " => " $1 " " v}'
  } >"$dir/go.mod"
  cat >"$dir/tools.go" <<'GO'
//go:build tools

package tools
GO
  local gv="v$K8S_VERSION"
  local ld="-s -w -X k8s.io/component-base/version.gitVersion=$gv -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.} -X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/client-go/pkg/version.gitVersion=$gv"
  ld=$(echo "$ld" | sed "s/gitMinor=\([0-9]*\)\.[0-9]*/gitMinor=\1/")
  (cd "$dir" && for t in "${tools[@]}"; do
    have "$t" "$K8S_VERSION" && continue
    log "  go build $t"
    go get "k8s.io/kubernetes/cmd/$t@v$K8S_VERSION" >/dev/null 2>&1 || true
    go build -trimpath -ldflags "$ld" -o "$BIN/$t-$K8S_VERSION" "k8s.io/kubernetes/cmd/$t"
  done)
  for t in "${tools[@]}"; do link "$t" "$K8S_VERSION"; done
}

build_etcd() {
  if ! have etcd "$ETCD_VERSION"; then
    log "building etcd v$ETCD_VERSION"
    local dir="$WORK/etcd-$ETCD_VERSION"
    mkdir -p "$dir"
    cat >"$dir/go.mod" <<GOMOD
module driftless.local/etcd-wrapper

go 1.24

require go.etcd.io/etcd/server/v3 v$ETCD_VERSION
GOMOD
    cat >"$dir/main.go" <<'GO'
// Command etcd is the upstream etcd server, built from its Go module.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
    (cd "$dir" && go mod tidy >/dev/null 2>&1 && go build -trimpath -ldflags "-s -w" -o "$BIN/etcd-$ETCD_VERSION" .)
  fi
  link etcd "$ETCD_VERSION"
}

go_install() { # name version module-path
  local name=$1 version=$2 pkg=$3
  if ! have "$name" "$version"; then
    log "building $name v$version"
    GOBIN="$WORK/gobin-$name-$version" go install -trimpath -ldflags "${4:-}" "$pkg@v$version"
    mv "$WORK/gobin-$name-$version/$name" "$BIN/$name-$version"
  fi
  link "$name" "$version"
}

build_kwok() { go_install kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok; }
build_kustomize() { go_install kustomize "$KUSTOMIZE_VERSION" sigs.k8s.io/kustomize/kustomize/v5 "-s -w -X sigs.k8s.io/kustomize/api/provenance.version=v$KUSTOMIZE_VERSION"; }

# sops decrypts Kustomization.spec.decryption inputs at run time and encrypts fixtures in the tests; age-keygen
# only makes the tests' age identities. Cold build (module downloads included): about 6 minutes on 2 shared cores.
build_sops() {
  go_install sops "$SOPS_VERSION" github.com/getsops/sops/v3/cmd/sops "-s -w"
  go_install age-keygen "$AGE_VERSION" filippo.io/age/cmd/age-keygen "-s -w"
}

# helm v4 renders, installs, upgrades, tests, rolls back and uninstalls HelmReleases; helm3 (v3) only checks in the
# tests that Helm 3 reads the same release Secrets. Both are version-stamped so `helm version` tells the truth.
build_helm() {
  go_install helm "$HELM_VERSION" helm.sh/helm/v4/cmd/helm "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION"
  if ! have helm3 "$HELM3_VERSION"; then
    log "building helm3 v$HELM3_VERSION"
    GOBIN="$WORK/gobin-helm3-$HELM3_VERSION" go install -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM3_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM3_VERSION"
    mv "$WORK/gobin-helm3-$HELM3_VERSION/helm" "$BIN/helm3-$HELM3_VERSION"
  fi
  link helm3 "$HELM3_VERSION"
  build_helm_controller
  # Right after the two helm builds in the same lane: it shares their modules (helm v4, client-go, kustomize)
  # and so most of Go's build cache.
  build_flux_helm_controller
}

# helm-controller: helm v4's own CLI (helm.sh/helm/v4/pkg/cmd) with a few changes, its Go sources in
# scripts/helm-controller/ (main.go says what each does): Flux's field manager, release storage in another
# namespace, the HelmRelease post-renderer in process, and `__driftless-serve`, a long-lived helm that runs
# the engine's helm command lines one after another. Cached by helm's version and a hash of the sources.
HELM_CONTROLLER_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/helm-controller"
build_helm_controller() {
  local rev
  rev=$(cat "$HELM_CONTROLLER_SRC"/*.go | sha256sum | cut -c1-10)
  local version="$HELM_VERSION-$rev"
  if ! have helm-controller "$version"; then
    log "building helm-controller (helm v$HELM_VERSION, wrapper $rev)"
    local dir="$WORK/helm-controller-$version"
    mkdir -p "$dir"
    cat >"$dir/go.mod" <<GOMOD
module driftless.local/helm-controller

go 1.25

require helm.sh/helm/v4 v$HELM_VERSION
GOMOD
    cp "$HELM_CONTROLLER_SRC"/*.go "$dir/"
    (cd "$dir" && go mod tidy >/dev/null 2>&1 && go build -trimpath \
      -ldflags "-s -w -X helm.sh/helm/v4/internal/version.version=v$HELM_VERSION" \
      -o "$BIN/helm-controller-$version" .)
  fi
  link helm-controller "$version"
}

# registry (distribution v3) serves OCI artifacts to the OCIRepository tests; oras pushes what Flux's CLI cannot.
build_registry() {
  go_install registry "$REGISTRY_VERSION" github.com/distribution/distribution/v3/cmd/registry "-s -w"
  go_install oras "$ORAS_VERSION" oras.land/oras/cmd/oras "-s -w"
}

# cosign signs OCI artifacts with a key pair made in the spec.verify tests (Driftless verifies in TypeScript).
# Cold build (module downloads included, module cache partly warm from other peers): 29 min wall clock on 2
# cores shared with other builds (load ~20), 8 min of CPU (7 user + 1 sys): about 5 minutes on an idle machine.
build_cosign() { go_install cosign "$COSIGN_VERSION" github.com/sigstore/cosign/v3/cmd/cosign "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=v$COSIGN_VERSION"; }

# versitygw serves S3 (Signature V4 enforced) over a plain directory (its posix backend): the Bucket tests' peer.
build_versitygw() { go_install versitygw "$VERSITYGW_VERSION" github.com/versity/versitygw/cmd/versitygw "-s -w -X main.Version=v$VERSITYGW_VERSION"; }

# nats-server receives the nats Provider's publishes in its tests (subject = spec.channel, user/password auth).
build_nats() { go_install nats-server "$NATS_VERSION" github.com/nats-io/nats-server/v2 "-s -w"; }

build_flux() {
  if ! have flux "$FLUX_VERSION"; then
    log "building flux v$FLUX_VERSION (takes a few minutes)"
    local moddir dir="$WORK/flux2-$FLUX_VERSION"
    moddir=$(go mod download -json "github.com/fluxcd/flux2/v2@v$FLUX_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
    # cmd/flux embeds manifests/*.yaml, generated at release time and absent from the module, so `go install`
    # fails; build from a writable copy with a placeholder (only `flux install`/`bootstrap` need the real ones).
    rm -rf "$dir"
    cp -r "$moddir" "$dir"
    chmod -R u+w "$dir"
    mkdir -p "$dir/cmd/flux/manifests"
    printf '# placeholder: install manifests are generated at release time\n' >"$dir/cmd/flux/manifests/placeholder.yaml"
    (cd "$dir" && go build -trimpath -ldflags "-s -w -X main.VERSION=$FLUX_VERSION" -o "$BIN/flux-$FLUX_VERSION" ./cmd/flux)
  fi
  link flux "$FLUX_VERSION"
}

# The version of github.com/fluxcd/<controller>/api that flux2 v$FLUX_VERSION requires, without the "v".
flux_pinned() {
  local gomod
  gomod=$(go mod download -json "github.com/fluxcd/flux2/v2@v$FLUX_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  awk -v m="github.com/fluxcd/$1/api" '$1 == m { sub(/^v/, "", $2); print $2; exit }' "$gomod"
}

# The patch version of module $1 nearest to $2 (x.y.z) that the module proxy serves: $2 itself, then one patch
# below, one above, two below… Prints nothing and fails when none within 5 patches is served.
nearest_served() {
  local mod=$1 v=$2 mm=${2%.*} patch=${2##*.} d p
  go mod download "$mod@v$v" >/dev/null 2>&1 && { echo "$v"; return 0; }
  for ((d = 1; d <= 5; d++)); do
    for p in $((patch - d)) $((patch + d)); do
      [ "$p" -ge 0 ] || continue
      go mod download "$mod@v$mm.$p" >/dev/null 2>&1 && { echo "$mm.$p"; return 0; }
    done
  done
  return 1
}

# Builds one Flux controller (name, pinned version[, binary name]) as $BIN/<binary name>-<pinned>. The module's go.mod replaces its own
# api module with ./api, which the module download lacks: drop that replace so the api module comes from the proxy.
# A version the proxy refuses (the controller itself or a dependency) is swapped for the nearest served patch.
# $CACHE/bench/<name>-<pinned>/ gets the module's CRDs (crds/) and built.txt: the module version built and every
# substitution, which the benchmark prints beside its results.
build_flux_controller() {
  local name=$1 want=$2 bin=${3:-$1} got dir moddir out subs="" i mod ver alt start meta="$CACHE/bench/${3:-$1}-$2" lock
  if have "$bin" "$want" && [ -f "$meta/built.txt" ]; then link "$bin" "$want"; return; fi
  # Two lanes may ask for the same controller (`provision.sh helm bench`): one builds, the other waits and finds it.
  exec {lock}>"$WORK/.$bin-$want.lock"
  flock "$lock"
  if have "$bin" "$want" && [ -f "$meta/built.txt" ]; then link "$bin" "$want"; return; fi
  start=$SECONDS
  got=$(nearest_served "github.com/fluxcd/$name" "$want") || { log "no served version of $name near v$want"; return 1; }
  [ "$got" = "$want" ] || subs+="substituted github.com/fluxcd/$name v$want -> v$got (v$want is not served)"$'\n'
  log "building $name v$got (flux2 v$FLUX_VERSION pins v$want)"
  moddir=$(go mod download -json "github.com/fluxcd/$name@v$got" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
  dir="$WORK/$name-$got"
  rm -rf "$dir"
  cp -r "$moddir" "$dir"
  chmod -R u+w "$dir"
  (cd "$dir" && go mod edit -dropreplace="github.com/fluxcd/$name/api")
  for ((i = 0; i < 5; i++)); do
    if out=$(cd "$dir" && go build -trimpath -ldflags "-s -w" -o "$BIN/$bin-$want" . 2>&1); then
      rm -rf "$meta" && mkdir -p "$meta/crds"
      cp "$dir"/config/crd/bases/*.yaml "$meta/crds/"
      printf 'built github.com/fluxcd/%s v%s with %s\n%s' "$name" "$got" "$(go env GOVERSION)" "$subs" >"$meta/built.txt"
      subs=${subs%$'\n'}
      [ -z "$subs" ] || log "  ${subs//$'\n'/; }"
      log "  $name v$got built in $((SECONDS - start)) s"
      link "$bin" "$want"
      return 0
    fi
    # `go: <module>@v<x.y.z>: reading <url>: 403 Forbidden`: the proxy refuses that version.
    mod="" ver=""
    read -r mod ver < <(printf '%s\n' "$out" | sed -n 's/.*[[:space:]]\([^[:space:]@]*\)@v\([0-9]*\.[0-9]*\.[0-9]*\): reading .*\(403\|404\|410\).*/\1 \2/p' | head -n1) || true
    if [ -z "$mod" ]; then printf '%s\n' "$out" >&2; return 1; fi
    alt=$(nearest_served "$mod" "$ver") || { printf '%s\n' "$out" >&2; log "no served version of $mod near v$ver"; return 1; }
    log "  $mod v$ver is not served; using v$alt"
    subs+="substituted $mod v$ver -> v$alt (v$ver is not served)"$'\n'
    (cd "$dir" && go mod edit -replace="$mod@v$ver=$mod@v$alt")
  done
  log "giving up on $name after $i substitutions"
  return 1
}

# Flux's helm-controller as `flux-helm-controller` (`helm-controller` is Driftless's own Helm helper, build_helm):
# a peer of the handover e2e test and of the benchmark's P9.
build_flux_helm_controller() {
  build_flux_controller helm-controller "${HELM_CONTROLLER_VERSION:-$(flux_pinned helm-controller)}" flux-helm-controller
}

build_bench() {
  build_flux_controller source-controller "${SOURCE_CONTROLLER_VERSION:-$(flux_pinned source-controller)}"
  build_flux_controller kustomize-controller "${KUSTOMIZE_CONTROLLER_VERSION:-$(flux_pinned kustomize-controller)}"
  build_flux_controller notification-controller "${NOTIFICATION_CONTROLLER_VERSION:-$(flux_pinned notification-controller)}"
  build_flux_helm_controller # a no-op when the helm target built it
}

install_debs() {
  local need=()
  command -v git >/dev/null || need+=(git)
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v openssl >/dev/null || need+=(openssl)
  command -v gpg >/dev/null || need+=(gnupg) # OpenPGP keys: SOPS decryption, GitRepository spec.verify, their tests
  command -v ssh-keygen >/dev/null || need+=(openssh-client) # SSH commit signatures (ssh-keygen -Y)
  # The dashboard's e2e test drives Debian's chromium (playwright-core, no browser download); it skips
  # without one. DRIFTLESS_SKIP_CHROMIUM=1 leaves it out (a few minutes on a fresh machine).
  [ -n "${DRIFTLESS_SKIP_CHROMIUM:-}" ] || command -v chromium >/dev/null || need+=(chromium)
  command -v mmdebstrap >/dev/null || need+=(mmdebstrap) # the container image's Debian root filesystem (npm run image)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

build_target() {
  case "$1" in
    debs) install_debs ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    kustomize) build_kustomize ;;
    kubernetes) build_kubernetes ;;
    flux) build_flux ;;
    sops) build_sops ;;
    helm) build_helm ;;
    versitygw) build_versitygw ;;
    registry) build_registry ;;
    cosign) build_cosign ;;
    nats) build_nats ;;
    bench) build_bench ;; # Flux's controllers, for `npm run bench` only
    *) echo "unknown tool $1" >&2; exit 2 ;;
  esac
}

targets=("$@")
# Kubernetes first: the longest build, so the other targets fill the second lane around it.
[ ${#targets[@]} -gt 0 ] || targets=(debs kubernetes etcd kwok kustomize flux sops helm registry cosign versitygw nats)
for t in "${targets[@]}"; do
  case "$t" in debs | etcd | kwok | kustomize | kubernetes | flux | sops | helm | versitygw | registry | cosign | nats | bench) ;;
    *) echo "unknown tool $t" >&2; exit 2 ;;
  esac
done
# Go builds in $DRIFTLESS_PROVISION_JOBS lanes (default 2): one build's module downloads and links (one core)
# overlap another's compiles. Go's module and build caches are safe to share between concurrent builds.
jobs_max=${DRIFTLESS_PROVISION_JOBS:-2}
running=0 failed=0
for t in "${targets[@]}"; do
  if [ "$t" = debs ]; then install_debs; continue; fi # apt-get first and alone: it holds the dpkg lock
  if [ "$running" -ge "$jobs_max" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  build_target "$t" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
if [ "$failed" != 0 ]; then
  log "a build failed (its output is above); re-running builds only what is missing"
  exit 1
fi
log "tools ready in $BIN"
