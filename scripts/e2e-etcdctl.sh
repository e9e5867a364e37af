#!/usr/bin/env bash
# End-to-end checks with the real etcdctl (Debian's etcd-client) against the built distribution at
# distributions/target/tern, once per storage engine. Prints "N passed, N failed" and fails on any failure.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tern="$root/distributions/target/tern/bin/tern"
command -v etcdctl >/dev/null || { echo "etcdctl not found: apt-get install -y etcd-client" >&2; exit 1; }
[[ -x "$tern" ]] || { echo "no distribution at $tern: build first (mvn package)" >&2; exit 1; }
export ETCDCTL_API=3

passed=0; failed=0
check() { # name, expected, actual
  if [[ "$2" == "$3" ]]; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAIL [$engine] $1: expected <$2> got <$3>"; fi
}
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
b64() { printf '%s' "$1" | base64; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

for engine in mvstore rocksdb; do
  work="$(mktemp -d)"
  port="$(free_port)"; peer="$(free_port)"
  ep="127.0.0.1:$port"
  "$tern" --data-dir "$work/data" --storage-backend "$engine" \
    --listen-client-urls "http://$ep" --advertise-client-urls "http://$ep" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer" >"$work/tern.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
  e() { etcdctl --endpoints "$ep" "$@" 2>&1; }
  err() { etcdctl --endpoints "$ep" "$@" 2>&1 | tail -1; } # etcdctl logs its retry warnings before the error

  check "put" "OK" "$(e put foo bar)"
  check "get" $'foo\nbar' "$(e get foo)"
  check "get -w json value" "$(b64 bar)" "$(e get foo -w json | json 'd["kvs"][0]["value"]')"
  check "get -w json revision" "2" "$(e get foo -w json | json 'd["header"]["revision"]')"
  check "put --prev-kv" $'OK\nfoo\nbar' "$(e put foo baz --prev-kv)"
  check "put --ignore-value" "OK" "$(e put foo --ignore-value)"
  check "value kept" "baz" "$(e get foo --print-value-only)"
  check "version" "3" "$(e get foo -w json | json 'd["kvs"][0]["version"]')"
  e put foo1 a >/dev/null; e put foo2 b >/dev/null; e put zoo c >/dev/null
  check "prefix" $'foo\nfoo1\nfoo2' "$(e get foo --prefix --keys-only | sed '/^$/d')"
  check "from-key limit" $'foo1\nfoo2' "$(e get foo1 --from-key --limit 2 --keys-only | sed '/^$/d')"
  check "count" "4" "$(e get "" --from-key -w json | json 'd["count"]')"
  check "sort desc" "zoo" "$(e get "" --from-key --sort-by=KEY --order=DESCEND --limit 1 --keys-only | sed '/^$/d')"
  check "txn success" $'SUCCESS\n\nOK' "$(printf 'value("foo") = "baz"\n\nput txnkey yes\n\nput txnkey no\n\n' | e txn)"
  check "txn value" "yes" "$(e get txnkey --print-value-only)"
  check "txn failure" "false" "$(printf 'value("foo") = "nope"\n\nput txnkey yes\n\nput txnkey no\n\n' | e txn -w json | json 'str(d.get("succeeded", False)).lower()')"
  check "txn else value" "no" "$(e get txnkey --print-value-only)"
  check "del" "1" "$(e del foo)"
  check "del prefix" "2" "$(e del foo --prefix)"
  rev="$(e get zoo -w json | json 'd["header"]["revision"]')"
  check "compaction" "compacted revision $rev" "$(e compaction "$rev")"
  check "compacted read" "Error: etcdserver: mvcc: required revision has been compacted" "$(err get zoo --rev=2)"
  check "future read" "Error: etcdserver: mvcc: required revision is a future revision" "$(err get zoo --rev=100000)"
  check "empty key" "Error: etcdserver: key is not provided" "$(err put '' v)"
  check "endpoint health" "true" "$(e endpoint health -w json | json 'str(d[0]["health"]).lower()')"
  check "endpoint status leader" "true" "$(e endpoint status -w json | json 'str(d[0]["Status"]["leader"] == d[0]["Status"]["header"]["member_id"]).lower()')"
  check "member list" "1" "$(e member list -w json | json 'len(d["members"])')"
  check "version endpoint" "3.5.0" "$(curl -s "http://$ep/version" | json 'd["etcdserver"]')"
  check "metrics" "etcd_server_has_leader 1.0" "$(curl -s "http://$ep/metrics" | grep '^etcd_server_has_leader ')"
  check "readyz" "ok" "$(curl -s "http://$ep/readyz")"
  # The HTTP/JSON gateway, as etcd's docs use it: base64 in, base64 out.
  check "gateway put" "true" "$(curl -s -X POST "http://$ep/v3/kv/put" -d '{"key": "Z3c=", "value": "dmlhIGh0dHA="}' | json 'str("revision" in d["header"]).lower()')"
  check "gateway range" "$(b64 'via http')" "$(curl -s -X POST "http://$ep/v3/kv/range" -d '{"key": "Z3c="}' | json 'd["kvs"][0]["value"]')"
  check "gateway sees etcdctl" "$(b64 c)" "$(curl -s -X POST "http://$ep/v3/kv/range" -d "{\"key\": \"$(b64 zoo)\"}" | json 'd["kvs"][0]["value"]')"
  check "gateway error" "etcdserver: key is not provided" "$(curl -s -X POST "http://$ep/v3/kv/put" -d '{"key": ""}' | json 'd["error"]')"

  # Watch: live events, history from a revision, prev-kv.
  from=$(( $(e get w -w json | json 'd["header"]["revision"]') + 1 ))
  (timeout 5 etcdctl --endpoints "$ep" watch w --prefix --rev="$from" >"$work/watch.out" 2>&1 &)
  e put w1 one >/dev/null; e put w1 two >/dev/null; e del w1 >/dev/null
  sleep 5.5
  check "watch live" $'PUT\nw1\none\nPUT\nw1\ntwo\nDELETE\nw1' "$(sed '/^$/d' "$work/watch.out")"
  first="$(e put h1 a -w json | json 'd["header"]["revision"]')"; e put h1 b >/dev/null
  check "watch --rev" $'PUT\nh1\na\nPUT\nh1\nb' "$(timeout 2 etcdctl --endpoints "$ep" watch h1 --rev="$first" 2>&1 | sed '/^$/d')"
  check "watch --prev-kv" $'PUT\nh1\na\nh1\nb' "$(timeout 2 etcdctl --endpoints "$ep" watch h1 --rev=$((first + 1)) --prev-kv 2>&1 | sed '/^$/d')"
  out="$(timeout 3 etcdctl --endpoints "$ep" watch zoo --rev=1 2>&1)"
  check "watch compacted" "watch was canceled (etcdserver: mvcc: required revision has been compacted)" "$(head -1 <<<"$out")"

  # Lease: grant, attach, time-to-live with keys, keep-alive, list, revoke, expiry.
  lease="$(e lease grant 60 | awk '{print $2}')"
  check "lease grant" "lease $lease granted with TTL(60s)" "$(e lease timetolive "$lease" | sed 's/, remaining.*//')"
  check "put --lease" "OK" "$(e put lk v --lease="$lease")"
  check "lease timetolive --keys" "yes" "$(e lease timetolive "$lease" --keys | grep -q 'attached keys(\[lk\])' && echo yes || echo no)"
  check "lease keep-alive --once" "lease $lease keepalived with TTL(60)" "$(e lease keep-alive --once "$lease")"
  check "lease list" "yes" "$(e lease list | grep -qx "$lease" && echo yes || echo no)"
  check "lease revoke" "lease $lease revoked" "$(e lease revoke "$lease")"
  check "revoked key gone" "" "$(e get lk)"
  check "unknown lease" "Error: etcdserver: requested lease not found" "$(err put lk v --lease=1234abcd)"
  short="$(e lease grant 2 | awk '{print $2}')"; e put ek v --lease="$short" >/dev/null
  sleep 4
  check "lease expiry" "" "$(e get ek)"
  check "expired lease" "lease $short already expired" "$(e lease timetolive "$short")"

  # Lock and election (etcdctl's client-side recipes over txn, lease and watch).
  check "lock" "held" "$(timeout 10 etcdctl --endpoints "$ep" lock L echo held 2>&1)"
  (timeout 10 etcdctl --endpoints "$ep" lock L2 sleep 2 >/dev/null 2>&1 &)
  for _ in $(seq 1 50); do [[ -n "$(e get L2 --prefix --keys-only)" ]] && break; sleep 0.1; done
  start=$(date +%s%N)
  timeout 10 etcdctl --endpoints "$ep" lock L2 true >/dev/null 2>&1
  check "lock waits for the holder" "yes" "$( (( ($(date +%s%N) - start) / 1000000 > 500 )) && echo yes || echo no)"
  (timeout 6 etcdctl --endpoints "$ep" elect E alice >/dev/null 2>&1 &)
  for _ in $(seq 1 50); do [[ -n "$(e get E --prefix --keys-only)" ]] && break; sleep 0.1; done
  check "elect -l" "alice" "$(timeout 3 etcdctl --endpoints "$ep" elect -l E 2>&1 | sed -n 2p)"
  sleep 6
  rev="$(e get zoo -w json | json 'd["header"]["revision"]')"

  # Maintenance: alarms, defragment, HashKV; snapshot save, then tern snapshot restore gives the same HashKV.
  check "alarm list" "" "$(e alarm list)"
  check "defrag" "Finished defragmenting etcd member[$ep]" "$(e defrag)"
  hash="$(e endpoint hashkv --rev="$rev" -w json | json 'd[0]["HashKV"]["hash"]')"
  check "snapshot save" "Snapshot saved at $work/snap.db" "$(etcdctl --endpoints "$ep" snapshot save "$work/snap.db" 2>/dev/null)"
  check "snapshot status" "$rev" "$("$tern" snapshot status "$work/snap.db" -w json 2>/dev/null | json 'd["revision"]')"
  rport="$(free_port)"; rpeer="$(free_port)"
  "$tern" snapshot restore "$work/snap.db" --data-dir "$work/restored" --name r1 --storage-backend "$engine" \
    --initial-cluster "r1=http://127.0.0.1:$rpeer" --initial-advertise-peer-urls "http://127.0.0.1:$rpeer" >"$work/restore.out" 2>&1
  check "snapshot restore exit" "0" "$?"
  "$tern" --name r1 --data-dir "$work/restored" --storage-backend "$engine" --listen-client-urls "http://127.0.0.1:$rport" \
    --advertise-client-urls "http://127.0.0.1:$rport" --listen-peer-urls "http://127.0.0.1:$rpeer" >"$work/restored.log" 2>&1 &
  rpid=$!
  for _ in $(seq 1 150); do etcdctl --endpoints "127.0.0.1:$rport" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
  check "restored hashkv" "$hash" "$(etcdctl --endpoints "127.0.0.1:$rport" endpoint hashkv --rev="$rev" -w json 2>&1 | json 'd[0]["HashKV"]["hash"]')"
  check "restored value" "c" "$(etcdctl --endpoints "127.0.0.1:$rport" get zoo --print-value-only 2>&1)"
  check "restored member" "r1" "$(etcdctl --endpoints "127.0.0.1:$rport" member list -w json 2>&1 | json 'd["members"][0]["name"]')"
  kill "$rpid"; wait "$rpid" 2>/dev/null
  # The same file restored for each member of a new three-member cluster, as etcdutl does it.
  declare -A cport=() ppeer=()
  initial=""
  for m in n1 n2 n3; do
    cport[$m]="$(free_port)"; ppeer[$m]="$(free_port)"
    initial="${initial:+$initial,}$m=http://127.0.0.1:${ppeer[$m]}"
  done
  pids=()
  for m in n1 n2 n3; do
    "$tern" snapshot restore "$work/snap.db" --data-dir "$work/cluster-$m" --name "$m" --storage-backend "$engine" \
      --initial-cluster "$initial" --initial-advertise-peer-urls "http://127.0.0.1:${ppeer[$m]}" \
      --initial-cluster-token restored >>"$work/restore.out" 2>&1
    "$tern" --name "$m" --data-dir "$work/cluster-$m" --storage-backend "$engine" \
      --listen-client-urls "http://127.0.0.1:${cport[$m]}" --advertise-client-urls "http://127.0.0.1:${cport[$m]}" \
      --listen-peer-urls "http://127.0.0.1:${ppeer[$m]}" >"$work/cluster-$m.log" 2>&1 &
    pids+=($!)
  done
  all="127.0.0.1:${cport[n1]},127.0.0.1:${cport[n2]},127.0.0.1:${cport[n3]}"
  for _ in $(seq 1 150); do etcdctl --endpoints "$all" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
  check "restored cluster members" "3" "$(etcdctl --endpoints "$all" member list -w json 2>&1 | json 'len(d["members"])')"
  check "restored cluster hashkv" "$hash $hash $hash" "$(etcdctl --endpoints "$all" endpoint hashkv --rev="$rev" -w json 2>&1 | json '" ".join(str(e["HashKV"]["hash"]) for e in d)')"
  check "restored cluster writes" "OK" "$(etcdctl --endpoints "127.0.0.1:${cport[n2]}" put after-restore yes 2>&1)"
  check "restored cluster replicates" "yes" "$(etcdctl --endpoints "127.0.0.1:${cport[n3]}" get after-restore --print-value-only 2>&1)"
  kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null

  # Restart on the same data dir: data and revision are kept.
  kill "$pid"; wait "$pid" 2>/dev/null
  "$tern" --data-dir "$work/data" --storage-backend "$engine" \
    --listen-client-urls "http://$ep" --advertise-client-urls "http://$ep" >>"$work/tern.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 150); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
  check "after restart" "c" "$(e get zoo --print-value-only)"
  check "revision after restart" "$rev" "$(e get zoo -w json | json 'd["header"]["revision"]')"
  kill "$pid"; wait "$pid" 2>/dev/null

  # A data dir of one engine is refused by the other, with a clear message.
  other=rocksdb; [[ "$engine" == rocksdb ]] && other=mvstore
  out="$("$tern" --data-dir "$work/data" --storage-backend "$other" --listen-client-urls "http://$ep" 2>&1)"; code=$?
  check "wrong engine exit" "1" "$code"
  check "wrong engine message" "yes" "$(grep -q "start with --storage-backend $engine" <<<"$out" && echo yes || echo "no: $out")"
  # A busy client port is refused with etcd's wording and no stack trace.
  python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$port" &
  holder=$!; sleep 0.5
  out="$("$tern" --data-dir "$work/busy" --storage-backend "$engine" --listen-client-urls "http://$ep" 2>&1)"; code=$?
  kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
  check "busy port exit" "1" "$code"
  check "busy port message" "yes" "$(grep -q "listen tcp 127.0.0.1:$port: bind: address already in use" <<<"$out" && ! grep -q "at io\.\|Exception" <<<"$out" && echo yes || echo "no: $out")"
  if (( failed > 0 )); then echo "--- tern log ($engine)"; tail -50 "$work/tern.log"; fi
  rm -rf "$work"
done

# Flags are checked before anything starts.
out="$("$tern" --no-such-flag 2>&1)"; code=$?
engine=flags; check "unknown flag exit" "2" "$code"
check "unknown flag message" "yes" "$(grep -q "Unknown option: '--no-such-flag'" <<<"$out" && echo yes || echo "no: $out")"

# etcd's YAML config file: it alone counts, flags and ETCD_* are ignored.
work="$(mktemp -d)"; port="$(free_port)"; peer="$(free_port)"; ep="127.0.0.1:$port"
cat >"$work/tern.yaml" <<YAML
name: from-file
data-dir: $work/data
listen-client-urls: http://$ep
advertise-client-urls: http://$ep
listen-peer-urls: http://127.0.0.1:$peer
initial-advertise-peer-urls: http://127.0.0.1:$peer
enable-v2: false
YAML
ETCD_NAME=from-env "$tern" --config-file "$work/tern.yaml" --name from-flag >"$work/tern.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
engine=config-file
check "config file member name" "from-file" "$(etcdctl --endpoints "$ep" member list -w json 2>&1 | json 'd["members"][0]["name"]')"
check "config file put" "OK" "$(etcdctl --endpoints "$ep" put cf yes 2>&1)"
check "config file unknown key logged" "yes" "$(grep -q "ignoring enable-v2" "$work/tern.log" && echo yes || echo no)"
kill "$pid"; wait "$pid" 2>/dev/null; rm -rf "$work"

# The release tarball, unpacked elsewhere, runs from its own bin/tern; its tern-cluster script starts three members.
engine=tarball
work="$(mktemp -d)"
tar -xzf "$(ls "$root"/distributions/target/tern-*.tar.gz | head -1)" -C "$work"
unpacked="$(ls -d "$work"/tern-*/)"
port="$(free_port)"; peer="$(free_port)"; ep="127.0.0.1:$port"
(cd "$work" && exec "$unpacked/bin/tern" --listen-client-urls "http://$ep" --advertise-client-urls "http://$ep" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" >"$work/tern.log" 2>&1) &
pid=$!
for _ in $(seq 1 150); do etcdctl --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
check "tarball put" "OK" "$(etcdctl --endpoints "$ep" put from tarball 2>&1)"
check "tarball default data dir" "yes" "$([[ -d "$work/default.tern" ]] && echo yes || echo no)"
kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
engine=tern-cluster
cports="$(free_port) $(free_port) $(free_port)"; pports="$(free_port) $(free_port) $(free_port)"
TERN_CLUSTER_CLIENT_PORTS="$cports" TERN_CLUSTER_PEER_PORTS="$pports" "$unpacked/bin/tern-cluster" "$work/cluster" >"$work/cluster.out" 2>&1 &
cpid=$!
read -r c1 c2 c3 <<<"$cports"
for _ in $(seq 1 150); do etcdctl --endpoints "127.0.0.1:$c3" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
check "tern-cluster members" "3" "$(etcdctl --endpoints "127.0.0.1:$c1" member list -w json 2>&1 | json 'len(d["members"])')"
etcdctl --endpoints "127.0.0.1:$c1" put across members >/dev/null 2>&1
check "tern-cluster replicates" "members" "$(etcdctl --endpoints "127.0.0.1:$c3" get across --print-value-only 2>&1)"
kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null
rm -rf "$work"

echo "etcdctl e2e: $passed passed, $failed failed"
(( failed == 0 ))
