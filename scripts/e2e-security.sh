#!/usr/bin/env bash
# End-to-end security checks with the real etcdctl against the built distribution, once per storage
# engine: etcd's TLS and RBAC recipes (certificates made here with openssl: a CA, a server certificate,
# client certificates, one from an untrusted CA), client-certificate users, and --auto-tls.
# Prints "N passed, N failed" and fails on any failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tern="$root/distributions/target/tern/bin/tern"
for tool in etcdctl openssl python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install -y etcd-client openssl python3)" >&2; exit 1; }
done
[[ -x "$tern" ]] || { echo "no distribution at $tern: build first (mvn package)" >&2; exit 1; }
export ETCDCTL_API=3

passed=0; failed=0
check() { # name, expected, actual
  if [[ "$2" == "$3" ]]; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAIL [$engine] $1: expected <$2> got <$3>"; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
await() { for _ in $(seq 1 150); do "$@" endpoint health >/dev/null 2>&1 && return 0; sleep 0.2; done; return 1; }

certs="$(mktemp -d)"
# issue NAME CN: a P-256 certificate signed by the CA in $certs/ca.pem (or $ca when set), usable by servers and clients.
issue() {
  local ca="${ca:-ca}"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$certs/$1-key.pem" \
    -out "$certs/$1.csr" -subj "/CN=$2" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >"$certs/$1.ext"
  openssl x509 -req -in "$certs/$1.csr" -CA "$certs/$ca.pem" -CAkey "$certs/$ca-key.pem" -CAcreateserial \
    -out "$certs/$1.pem" -days 2 -extfile "$certs/$1.ext" 2>/dev/null
}
for ca in ca other-ca; do
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$certs/$ca-key.pem" \
    -out "$certs/$ca.pem" -days 2 -subj "/CN=$ca" 2>/dev/null
done
unset ca
issue server server; issue root root; issue alice alice
ca=other-ca issue stranger root
# The server key in the SEC1 form etcd's own tooling writes ("EC PRIVATE KEY").
openssl ec -in "$certs/server-key.pem" -out "$certs/server-key.pem" 2>/dev/null

for engine in mvstore rocksdb; do
  work="$(mktemp -d)"
  port="$(free_port)"; peer="$(free_port)"
  url="https://127.0.0.1:$port"
  "$tern" --data-dir "$work/data" --storage-backend "$engine" \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer" --listen-peer-urls "http://127.0.0.1:$peer" \
    --cert-file "$certs/server.pem" --key-file "$certs/server-key.pem" \
    --trusted-ca-file "$certs/ca.pem" --client-cert-auth >"$work/tern.log" 2>&1 &
  pid=$!
  as() { local who="$1"; shift; etcdctl --endpoints "$url" --cacert "$certs/ca.pem" --cert "$certs/$who.pem" --key "$certs/$who-key.pem" "$@" 2>&1; }
  refused() { etcdctl --endpoints "$1" --dial-timeout=2s --command-timeout=3s "${@:2}" get k >/dev/null 2>&1 && echo served || echo refused; }
  await etcdctl --endpoints "$url" --cacert "$certs/ca.pem" --cert "$certs/root.pem" --key "$certs/root-key.pem" \
    || echo "tern did not start ($engine)"

  # etcd's RBAC recipe, over TLS.
  check "user add root" "User root created" "$(as root user add root:rootpw)"
  check "grant root" "Role root is granted to user root" "$(as root user grant-role root root)"
  check "role add" "Role reader created" "$(as root role add reader)"
  check "grant prefix read" "Role reader updated" "$(as root role grant-permission reader --prefix=true read foo/)"
  check "user add alice" "User alice created" "$(as root user add alice:alicepw)"
  check "grant alice" "Role reader is granted to user alice" "$(as root user grant-role alice reader)"
  check "auth enable" "Authentication Enabled" "$(as root auth enable)"
  check "root writes" "OK" "$(as root --user root:rootpw put foo/1 bar)"
  check "reader reads" $'foo/1\nbar' "$(as root --user alice:alicepw get foo/1)"
  check "reader writes" "Error: etcdserver: permission denied" "$(as root --user alice:alicepw put foo/1 x | tail -1)"
  check "reader reads elsewhere" "Error: etcdserver: permission denied" "$(as root --user alice:alicepw get bar | tail -1)"
  check "wrong password" "Error: etcdserver: authentication failed, invalid user ID or password" \
    "$(as root --user alice:nope get foo/1 | tail -1)"
  check "reader lists users" "Error: etcdserver: permission denied" "$(as root --user alice:alicepw user list | tail -1)"
  # With --client-cert-auth and no --user, the certificate's CN is the user.
  check "CN alice reads" $'foo/1\nbar' "$(as alice get foo/1)"
  check "CN alice writes" "Error: etcdserver: permission denied" "$(as alice put foo/1 x | tail -1)"
  check "CN root writes" "OK" "$(as root put foo/2 baz)"
  # Refused connections; the server keeps serving the others.
  check "no client certificate" "refused" "$(refused "$url" --cacert "$certs/ca.pem")"
  check "untrusted certificate" "refused" "$(refused "$url" --cacert "$certs/ca.pem" --cert "$certs/stranger.pem" --key "$certs/stranger-key.pem")"
  check "plaintext" "refused" "$(refused "http://127.0.0.1:$port")"
  check "still serving" $'foo/2\nbaz' "$(as root get foo/2)"
  check "auth disable" "Authentication Disabled" "$(as root --user root:rootpw auth disable)"
  check "open again" "OK" "$(as alice put foo/1 x)"
  kill "$pid"; wait "$pid" 2>/dev/null
  if (( failed > 0 )); then echo "--- tern log ($engine)"; tail -30 "$work/tern.log"; fi

  # --auto-tls: a self-signed certificate; clients skip verification.
  "$tern" --data-dir "$work/auto" --storage-backend "$engine" --auto-tls \
    --listen-client-urls "$url" --advertise-client-urls "$url" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer" --listen-peer-urls "http://127.0.0.1:$peer" >"$work/auto.log" 2>&1 &
  pid=$!
  await etcdctl --endpoints "$url" --insecure-transport=false --insecure-skip-tls-verify || echo "tern --auto-tls did not start ($engine)"
  check "auto-tls put" "OK" "$(etcdctl --endpoints "$url" --insecure-transport=false --insecure-skip-tls-verify put a b 2>&1)"
  check "auto-tls cert kept" "yes" "$([[ -s "$work/auto/fixtures/client/cert.pem" && -s "$work/auto/fixtures/client/key.pem" ]] && echo yes || echo no)"
  check "auto-tls verified" "refused" "$(refused "$url" --cacert "$certs/ca.pem")"
  kill "$pid"; wait "$pid" 2>/dev/null
  rm -rf "$work"
done
rm -rf "$certs"

echo "etcdctl security e2e: $passed passed, $failed failed"
(( failed == 0 ))
