#!/usr/bin/env bash
# Builds (once) and caches every real peer the tests and `driftless dev` use.
# Binaries land in $DRIFTLESS_CACHE/bin (default ~/.cache/driftless/bin), named <tool>-<version>,
# with an unversioned symlink next to each. Re-running is a no-op when everything is cached.
# Usage: scripts/provision.sh [tool ...]   (default: all)
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-1.34.4}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
KUSTOMIZE_VERSION=${KUSTOMIZE_VERSION:-5.8.2}  # 5.8.3 needs Go 1.27
FLUX_VERSION=${FLUX_VERSION:-2.9.5}  # go directive 1.26.0; `go list -m -versions github.com/fluxcd/flux2/v2`

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

install_debs() {
  local need=()
  command -v git >/dev/null || need+=(git)
  [ -x /usr/sbin/sshd ] || need+=(openssh-server)
  command -v openssl >/dev/null || need+=(openssl)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(debs etcd kwok kustomize kubernetes flux)
for t in "${targets[@]}"; do
  case "$t" in
    debs) install_debs ;;
    etcd) build_etcd ;;
    kwok) build_kwok ;;
    kustomize) build_kustomize ;;
    kubernetes) build_kubernetes ;;
    flux) build_flux ;;
    *) echo "unknown tool $t" >&2; exit 2 ;;
  esac
done
log "tools ready in $BIN"
