#!/usr/bin/env bash
# Builds Traefik from the Go module proxy into the same cache as the cluster binaries. Does nothing
# when already built. Prints the folder (last line); the time a build took goes to stderr.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

if [ -f "$TRAEFIK_DIR/.ok" ]; then
  echo "traefik $TRAEFIK_VERSION already built" >&2
  echo "$TRAEFIK_DIR"
  exit 0
fi

# Traefik v3.7 declares go 1.26.0, which the machine's Go builds: no toolchain switch.
export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0
start=$(date +%s)
mkdir -p "$TRAEFIK_DIR"
work=$CACHE_ROOT/src/traefik-$TRAEFIK_VERSION
mkdir -p "$work/ext"
cd "$work"
[ -f go.mod ] || go mod init local.invalid/traefikbin >/dev/null 2>&1
traefik=github.com/traefik/traefik/v3
gomod=$(go mod download -json "$traefik@$TRAEFIK_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
# Traefik replaces github.com/abbot/go-http-auth with a fork the module proxy does not serve. The
# upstream module (served) lacks two things Traefik calls; a copy of it gets them, written here.
auth_src=$(go mod download -json github.com/abbot/go-http-auth@v0.4.0 | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
rm -rf go-http-auth
cp -r "$auth_src" go-http-auth
chmod -R u+w go-http-auth
rm -rf go-http-auth/examples go-http-auth/*_test.go
printf 'module github.com/abbot/go-http-auth\n\ngo 1.16\n' >go-http-auth/go.mod
cat >go-http-auth/rollout_pilot_compat.go <<'GO'
package auth

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CheckSecret reports whether password matches an htpasswd secret (MD5-crypt, {SHA} or bcrypt),
// choosing the comparison by the secret's prefix as BasicAuth.CheckAuth does.
func CheckSecret(password, secret string) bool {
	compare := compareFuncs[0].compare
	for _, c := range compareFuncs[1:] {
		if strings.HasPrefix(secret, c.prefix) {
			compare = c.compare
			break
		}
	}
	return compare([]byte(secret), []byte(password)) == nil
}

// RequireAuthStale asks for credentials again with a fresh nonce, telling the client that its
// old nonce is stale (RFC 7616) so it may retry without prompting the user.
func (a *DigestAuth) RequireAuthStale(w http.ResponseWriter, r *http.Request) {
	if len(a.clients) > a.ClientCacheSize+a.ClientCacheTolerance {
		a.Purge(a.ClientCacheTolerance * 2)
	}
	nonce := RandomKey()
	a.clients[nonce] = &digest_client{nc: 0, last_seen: time.Now().UnixNano()}
	w.Header().Set(contentType, a.Headers.V().UnauthContentType)
	w.Header().Set(a.Headers.V().Authenticate,
		fmt.Sprintf(`Digest realm="%s", nonce="%s", opaque="%s", algorithm="MD5", qop="auth", stale=true`,
			a.Realm, nonce, a.Opaque))
	w.WriteHeader(a.Headers.V().UnauthCode)
	_, _ = w.Write([]byte(a.Headers.V().UnauthResponse))
}
GO
go mod edit -replace=github.com/abbot/go-http-auth=./go-http-auth
# ACME's DNS challenge (lego) links in every DNS provider, and the proxy refuses the SDK versions six
# of them pin. The proxy is never asked for ACME here, so a copy of lego without those six stands in.
lego_version=$(sed -n 's|^[[:space:]]*github.com/go-acme/lego/v5 \(v[^ ]*\)$|\1|p' "$gomod")
lego_src=$(go mod download -json "github.com/go-acme/lego/v5@$lego_version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
unserved='edgedns|huaweicloud|oraclecloud|sakuracloud|ucloud|yandexcloud'
rm -rf lego
cp -r "$lego_src" lego
chmod -R u+w lego
for p in ${unserved//|/ }; do rm -rf "lego/providers/dns/$p"; done
awk -v drop="$unserved" '
  $0 ~ "\"github.com/go-acme/lego/v5/providers/dns/(" drop ")\"$" { next }
  /^[[:space:]]*case / { held = $0; next }
  held != "" { if ($0 !~ "return (" drop ")\\.NewDNSProvider") print held "\n" $0; held = ""; next }
  { print }
' "$lego_src/providers/dns/zz_gen_dns_providers.go" >lego/providers/dns/zz_gen_dns_providers.go
go mod edit "-replace=github.com/go-acme/lego/v5=./lego"
# Traefik points its dynamic-config extension module at a folder of its repo that the published
# module leaves out. In the open-source build that module only declares empty extension types, so a
# local module declaring them stands in for it.
cat >ext/go.mod <<GOMOD
module github.com/traefik/traefik/dynamic/ext

go 1.24.0
GOMOD
cat >ext/ext.go <<'GO'
// Package ext stands in for Traefik's dynamic-config extension point, empty in the open-source build.
package ext

// HTTP extends dynamic.HTTP; empty here.
type HTTP struct{}

// Router extends dynamic.Router; empty here.
type Router struct{}
GO
go mod edit -replace=github.com/traefik/traefik/dynamic/ext=./ext
# Traefik's routing-path matchers need its fork of gorilla/mux; a dependency's replace directives do
# not apply to the module that requires it, so the fork Traefik names is required here too.
mux_fork=$(sed -n 's|^[[:space:]]*github.com/gorilla/mux => \(github.com/containous/mux\) \(v[^ ]*\)$|\1@\2|p' "$gomod")
[ -n "$mux_fork" ] || { echo "build-traefik: Traefik's go.mod names no gorilla/mux fork" >&2; exit 1; }
go mod edit "-replace=github.com/gorilla/mux=$mux_fork"
go mod edit "-require=$traefik@$TRAEFIK_VERSION"
cat >tools.go <<GO
//go:build tools

package tools

import _ "$traefik/cmd/traefik"
GO
go mod tidy >/dev/null 2>&1 || go mod tidy
v=github.com/traefik/traefik/v3/pkg/version
go build -trimpath -ldflags "-s -w -X $v.Version=${TRAEFIK_VERSION#v} -X $v.Codename=rollout-pilot" \
  -o "$TRAEFIK_DIR/traefik" "$traefik/cmd/traefik"
echo "traefik $TRAEFIK_VERSION built in $(($(date +%s) - start))s" >&2
touch "$TRAEFIK_DIR/.ok"
echo "$TRAEFIK_DIR"
