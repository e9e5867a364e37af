package io.tern.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.CompactOption;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.grpc.StatusRuntimeException;
import io.tern.api.maintenance.AutoCompactor;
import io.tern.api.proto.etcdserverpb.AlarmMember;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmType;
import io.tern.api.proto.etcdserverpb.DefragmentRequest;
import io.tern.api.proto.etcdserverpb.HashKVRequest;
import io.tern.api.proto.etcdserverpb.HashKVResponse;
import io.tern.api.proto.etcdserverpb.HashRequest;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** etcd's maintenance: HashKV, alarms and the space quota, defragmentation, snapshots, automatic compaction. */
class MaintenanceTest {
    static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";

    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }

    /** Both engines, each restored into both: a snapshot does not depend on the engine that made it. */
    static Stream<EnginePair> enginePairs() {
        return TernHarness.ENGINES.stream().flatMap(from -> TernHarness.ENGINES.stream().map(to -> new EnginePair(from, to)));
    }

    record EnginePair(String from, String to) {
        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    static TernServer start(Path dir, String engine, long quota, AutoCompactor.Settings compaction) {
        return TernServer.start(ServerConfig.singleNode("default", dir, 0, TernHarness.freePort(), engine)
                .withHousekeeping(quota, compaction));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void hashKvOfARevisionStaysTheSameThroughCompactionAndRestart(String engine, @TempDir Path dir) {
        long rev;
        int atRev;
        try (TernServer server = TernHarness.start(dir, engine); RawClient raw = new RawClient(server)) {
            for (int i = 0; i < 50; i++) {
                raw.kv().put(put("k" + (i % 7), "v" + i));
            }
            raw.kv().deleteRange(io.tern.api.proto.etcdserverpb.DeleteRangeRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k3")).build());
            rev = raw.kv().put(put("last", "x")).getHeader().getRevision();
            HashKVResponse h = raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev).build());
            atRev = h.getHash();
            assertThat(h.getHashRevision()).isEqualTo(rev);
            assertThat(h.getHeader().getRevision()).isEqualTo(rev);
            assertThat(raw.maintenance().hashKV(HashKVRequest.getDefaultInstance()).getHash())
                    .as("revision 0 means the current one").isEqualTo(atRev);
            assertThat(raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev - 1).build()).getHash())
                    .as("an earlier revision hashes other versions").isNotEqualTo(atRev);

            raw.kv().put(put("after", "y"));
            assertThat(raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev).build()).getHash())
                    .as("later writes do not change the hash of an earlier revision").isEqualTo(atRev);
            // As in etcd, the hash covers what compaction keeps: it changes once, when the compaction is
            // decided, not as the versions are physically removed afterwards.
            raw.kv().compact(io.tern.api.proto.etcdserverpb.CompactionRequest.newBuilder().setRevision(rev - 5).build());
            HashKVResponse compacted = raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev).build());
            assertThat(compacted.getCompactRevision()).isEqualTo(rev - 5);
            assertThat(compacted.getHash()).isNotEqualTo(atRev);
            atRev = compacted.getHash();
            assertThatThrownBy(() -> raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev - 6).build()))
                    .hasMessageContaining("required revision has been compacted");
            assertThatThrownBy(() -> raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev + 100).build()))
                    .hasMessageContaining("required revision is a future revision");
            assertThat(raw.maintenance().hash(HashRequest.getDefaultInstance()).getHash()).isNotZero();
        }
        try (TernServer server = TernHarness.start(dir, engine); RawClient raw = new RawClient(server)) {
            assertThat(raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev).build()).getHash())
                    .as("after a restart, the physical compaction done").isEqualTo(atRev);
        }
    }

    /**
     * etcd's NOSPACE cycle: over the quota a put is refused and the member's alarm is raised; then puts, txns
     * that put and lease grants are refused, reads and deletes are not, until compaction, defragmentation and
     * disarming give the space back.
     */
    @ParameterizedTest
    @MethodSource("engines")
    void overTheQuotaWritesFailWithNoSpaceUntilCompactDefragmentAndDisarm(String engine, @TempDir Path dir)
            throws Exception {
        long initial;
        try (TernServer server = TernHarness.start(dir.resolve("probe"), engine); RawClient raw = new RawClient(server)) {
            initial = raw.maintenance().status(StatusRequest.getDefaultInstance()).getDbSize();
        }
        long quota = initial + 4L * 1024 * 1024;
        try (TernServer server = start(dir.resolve("member"), engine, quota, AutoCompactor.Settings.OFF);
             RawClient raw = new RawClient(server); Client client = TernHarness.client(server)) {
            KV kv = client.getKVClient();
            byte[] blob = new byte[100 * 1024];
            new Random(1).nextBytes(blob);
            String refusal = null;
            int written = 0;
            for (int i = 0; i < 400 && refusal == null; i++) {
                try {
                    raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("blob/" + i))
                            .setValue(ByteString.copyFrom(blob)).build());
                    written++;
                } catch (StatusRuntimeException e) {
                    refusal = e.getStatus().getCode() + ": " + e.getStatus().getDescription();
                }
            }
            assertThat(refusal).as("after %d puts of 100 KiB with a quota of %d", written, quota)
                    .isEqualTo("RESOURCE_EXHAUSTED: " + NO_SPACE);
            long member = raw.maintenance().status(StatusRequest.getDefaultInstance()).getHeader().getMemberId();
            AlarmMember noSpace = AlarmMember.newBuilder().setMemberID(member).setAlarm(AlarmType.NOSPACE).build();
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(raw.maintenance().alarm(AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.GET).build()).getAlarmsList()).containsExactly(noSpace));
            assertThat(raw.maintenance().status(StatusRequest.getDefaultInstance()).getErrorsList())
                    .containsExactly("memberID:" + Long.toUnsignedString(member) + " alarm:NOSPACE ");

            // A small put is refused too: the alarm, not the size, decides now.
            assertThatThrownBy(() -> kv.put(bs("small"), bs("x")).get(10, TimeUnit.SECONDS)).hasMessageContaining(NO_SPACE);
            assertThatThrownBy(() -> raw.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()))
                    .hasMessageContaining(NO_SPACE);
            assertThat(kv.get(bs("blob/0")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);

            long rev = kv.delete(bs("blob/"), DeleteOption.builder().isPrefix(true).build()).get(10, TimeUnit.SECONDS)
                    .getHeader().getRevision();
            kv.compact(rev, CompactOption.builder().withCompactPhysical(true).build()).get(30, TimeUnit.SECONDS);
            raw.maintenance().defragment(DefragmentRequest.getDefaultInstance());
            // Far enough below the quota that the puts below pass it (RocksDB removes obsolete log files in
            // the background); a put refused by the quota would raise the alarm again.
            Eventually.within(Duration.ofSeconds(20), () -> assertThat(raw.maintenance()
                    .status(StatusRequest.getDefaultInstance()).getDbSize())
                    .as("size after compacting and defragmenting, quota %d", quota).isLessThan(quota - 1024 * 1024));
            assertThatThrownBy(() -> kv.put(bs("small"), bs("x")).get(10, TimeUnit.SECONDS))
                    .as("still refused until disarmed").hasMessageContaining(NO_SPACE);

            var disarmed = raw.maintenance().alarm(AlarmRequest.newBuilder()
                    .setAction(AlarmRequest.AlarmAction.DEACTIVATE).setMemberID(member).setAlarm(AlarmType.NOSPACE).build());
            assertThat(disarmed.getAlarmsList()).containsExactly(noSpace);
            assertThat(raw.maintenance().alarm(AlarmRequest.getDefaultInstance()).getAlarmsList()).isEmpty();
            kv.put(bs("small"), bs("x")).get(10, TimeUnit.SECONDS);
            raw.lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build());
        }
    }

    /**
     * Defragmentation gives back the space of compacted versions without stopping writes: puts go on and are
     * answered while it runs. The put latencies during the run are printed (the report's p99).
     */
    @ParameterizedTest
    @MethodSource("engines")
    void defragmentGivesBackSpaceWhileWritesGoOn(String engine, @TempDir Path dir) throws Exception {
        try (TernServer server = TernHarness.start(dir, engine); RawClient raw = new RawClient(server);
             Client client = TernHarness.client(server)) {
            KV kv = client.getKVClient();
            byte[] blob = new byte[64 * 1024];
            new Random(2).nextBytes(blob);
            List<CompletableFuture<?>> puts = new ArrayList<>();
            for (int i = 0; i < 512; i++) {
                puts.add(kv.put(bs("big/" + (i % 64)), io.etcd.jetcd.ByteSequence.from(blob)));
            }
            CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long rev = kv.put(bs("marker"), bs("m")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            // The store's file follows writes within its commit interval (MVStore's default: a second). The
            // versions the compaction drops must be in the file first, or there is nothing to give back.
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(raw.maintenance()
                    .status(StatusRequest.getDefaultInstance()).getDbSize())
                    .as("db size once the puts are written").isGreaterThanOrEqualTo(256L * blob.length));
            kv.compact(rev, CompactOption.builder().withCompactPhysical(true).build()).get(60, TimeUnit.SECONDS);
            long before = raw.maintenance().status(StatusRequest.getDefaultInstance()).getDbSize();
            long hashed = kv.put(bs("marker"), bs("m2")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            int hashBefore = raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(hashed).build()).getHash();

            AtomicBoolean defragmenting = new AtomicBoolean(true);
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            CompletableFuture<Integer> writer = CompletableFuture.supplyAsync(() -> {
                int n = 0;
                while (defragmenting.get() || n < 20) {
                    long t0 = System.nanoTime();
                    try {
                        kv.put(bs("during/" + n), bs("v" + n)).get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new AssertionError("put " + n + " during defragmentation failed", e);
                    }
                    latencies.add(System.nanoTime() - t0);
                    n++;
                }
                return n;
            });
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(latencies).isNotEmpty());
            int before0;
            synchronized (latencies) {
                before0 = latencies.size();
            }
            long t0 = System.nanoTime();
            raw.maintenance().defragment(DefragmentRequest.getDefaultInstance());
            long took = System.nanoTime() - t0;
            int during;
            synchronized (latencies) {
                during = latencies.size() - before0;
            }
            defragmenting.set(false);
            int n = writer.get(60, TimeUnit.SECONDS);

            long after = raw.maintenance().status(StatusRequest.getDefaultInstance()).getDbSize();
            List<Long> sorted;
            synchronized (latencies) {
                // The puts answered while it ran, and the one it was in when it began.
                sorted = new ArrayList<>(latencies.subList(before0 - 1, before0 + during));
            }
            Collections.sort(sorted);
            System.out.printf("defragment %s: %d -> %d bytes in %d ms; %d puts answered meanwhile, p50 %.1f ms, "
                            + "p99 %.1f ms, max %.1f ms%n", engine, before, after, took / 1_000_000, during,
                    sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6,
                    sorted.get(sorted.size() - 1) / 1e6);
            assertThat(after).as("bytes after defragmenting").isLessThan(before);
            for (int i = 0; i < n; i++) {
                assertThat(str(kv.get(bs("during/" + i)).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue()))
                        .isEqualTo("v" + i);
            }
            var big = kv.get(bs("big/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS);
            assertThat(big.getCount()).isEqualTo(64);
            assertThat(raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(hashed).build()).getHash())
                    .as("the contents at %d are untouched", hashed).isEqualTo(hashBefore);
        }
    }

    /**
     * {@code snapshot save} through the Snapshot RPC (jetcd), then {@code tern snapshot restore} into a new data
     * directory of either engine: the new member holds the same revision, keys, leases and HashKV, and goes on
     * writing at the next revision as a cluster of its own.
     */
    @ParameterizedTest
    @MethodSource("enginePairs")
    void aSavedSnapshotRestoresToTheSameHashKv(EnginePair engines, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("backup.db");
        long rev;
        int hash;
        long lease;
        long oldCluster;
        try (TernServer server = TernHarness.start(dir.resolve("old"), engines.from());
             Client client = TernHarness.client(server); RawClient raw = new RawClient(server)) {
            KV kv = client.getKVClient();
            lease = client.getLeaseClient().grant(600).get(10, TimeUnit.SECONDS).getID();
            for (int i = 0; i < 300; i++) {
                kv.put(bs("key/" + (i % 40)), bs("value " + i)).get(10, TimeUnit.SECONDS);
            }
            kv.put(bs("leased"), bs("l"), PutOption.builder().withLeaseId(lease).build()).get(10, TimeUnit.SECONDS);
            kv.delete(bs("key/7")).get(10, TimeUnit.SECONDS);
            kv.compact(100).get(10, TimeUnit.SECONDS);
            rev = kv.put(bs("last"), bs("z")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            hash = raw.maintenance().hashKV(HashKVRequest.getDefaultInstance()).getHash();
            oldCluster = raw.maintenance().status(StatusRequest.getDefaultInstance()).getHeader().getClusterId();
            try (OutputStream out = Files.newOutputStream(file)) {
                long size = client.getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
                assertThat(size).isEqualTo(Files.size(file));
                assertThat(size % 512).as("etcdctl keeps a file of whole 512-byte blocks and a checksum").isEqualTo(32);
            }
        }

        ByteArrayOutputStream status = new ByteArrayOutputStream();
        assertThat(SnapshotCommand.run(new String[] {"status", file.toString(), "-w", "json"},
                new PrintStream(status, true, StandardCharsets.UTF_8), System.err)).isZero();
        assertThat(status.toString(StandardCharsets.UTF_8)).contains("\"revision\":" + rev);

        Path restored = dir.resolve("new");
        int peerPort = TernHarness.freePort();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = SnapshotCommand.run(new String[] {"restore", file.toString(), "--data-dir", restored.toString(),
                "--name", "n1", "--initial-cluster", "n1=http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort, "--initial-cluster-token", "restored",
                "--storage-backend", engines.to()}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(SnapshotCommand.run(new String[] {"restore", file.toString(), "--data-dir", restored.toString()},
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(OutputStream.nullOutputStream())))
                .as("a data directory that exists is refused").isEqualTo(1);

        ServerConfig config = ServerConfig.singleNode("n1", restored, 0, peerPort, engines.to());
        try (TernServer server = TernServer.start(config); Client client = TernHarness.client(server);
             RawClient raw = new RawClient(server)) {
            HashKVResponse h = raw.maintenance().hashKV(HashKVRequest.newBuilder().setRevision(rev).build());
            assertThat(h.getHash()).isEqualTo(hash);
            assertThat(h.getCompactRevision()).isEqualTo(100);
            KV kv = client.getKVClient();
            assertThat(kv.get(bs("key/"), GetOption.builder().isPrefix(true).withCountOnly(true).build())
                    .get(10, TimeUnit.SECONDS).getCount()).isEqualTo(39);
            assertThat(str(kv.get(bs("key/3")).get(10, TimeUnit.SECONDS).getKvs().get(0).getValue())).isEqualTo("value 283");
            assertThat(client.getLeaseClient().timeToLive(lease, io.etcd.jetcd.options.LeaseOption.builder()
                    .withAttachedKeys().build()).get(10, TimeUnit.SECONDS).getKeys()).extracting(TernHarness::str)
                    .containsExactly("leased");
            var status2 = raw.maintenance().status(StatusRequest.getDefaultInstance());
            assertThat(status2.getHeader().getClusterId()).as("a new cluster").isNotEqualTo(oldCluster);
            assertThat(kv.put(bs("next"), bs("n")).get(10, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(rev + 1);
            assertThat(client.getClusterClient().listMember().get(10, TimeUnit.SECONDS).getMembers())
                    .extracting(io.etcd.jetcd.cluster.Member::getName).containsExactly("n1");
        }
    }

    /** Ways a snapshot file gets damaged: each is refused, naming the damage, and leaves no data directory. */
    record Damage(String name, java.util.function.UnaryOperator<byte[]> change, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Damage> damages() {
        return Stream.of(
                new Damage("a flipped checksum byte", b -> flip(b, b.length - 1), "snapshot damaged: checksum mismatch"),
                new Damage("a flipped byte in the first key", b -> flip(b, 17),
                        "snapshot damaged: checksum mismatch"),
                new Damage("a flipped length byte", b -> flip(b, 12), "snapshot damaged"),
                new Damage("cut in the entries", b -> java.util.Arrays.copyOf(b, b.length / 2), "truncated"),
                new Damage("no checksum", b -> java.util.Arrays.copyOf(b, b.length - 32), "lacks its SHA-256 trailer"),
                new Damage("bytes after the checksum", b -> java.util.Arrays.copyOf(b, b.length + 1),
                        "bytes after its checksum"),
                new Damage("not a snapshot", b -> "hello, this is not a snapshot".getBytes(StandardCharsets.UTF_8),
                        "not a Tern snapshot"));
    }

    private static byte[] flip(byte[] b, int at) {
        byte[] c = b.clone();
        c[at] ^= 0x40;
        return c;
    }

    @ParameterizedTest
    @MethodSource("damages")
    void aDamagedSnapshotIsRefusedAndLeavesNoDataDirectory(Damage damage, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("backup.db");
        try (TernServer server = TernHarness.start(dir.resolve("old"), "mvstore"); Client client = TernHarness.client(server)) {
            client.getKVClient().put(bs("k"), bs("value")).get(10, TimeUnit.SECONDS);
            try (OutputStream out = Files.newOutputStream(file)) {
                client.getMaintenanceClient().snapshot(out).get(60, TimeUnit.SECONDS);
            }
        }
        Path damaged = dir.resolve("damaged.db");
        Files.write(damaged, damage.change().apply(Files.readAllBytes(file)));
        for (String command : List.of("status", "restore")) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Path target = dir.resolve("new");
            String[] args = command.equals("status") ? new String[] {command, damaged.toString()}
                    : new String[] {command, damaged.toString(), "--data-dir", target.toString()};
            int exit = SnapshotCommand.run(args,
                    new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(exit).as(command).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).as(command).contains(damage.message());
            assertThat(target).doesNotExist();
            assertThat(dir.resolve("new.restoring")).doesNotExist();
        }
    }

    static Stream<AutoCompactor.Settings> autoCompactions() {
        return Stream.of(new AutoCompactor.Settings(AutoCompactor.Mode.PERIODIC, Duration.ofSeconds(2), 0, Duration.ZERO),
                new AutoCompactor.Settings(AutoCompactor.Mode.REVISION, Duration.ZERO, 10, Duration.ofMillis(300)));
    }

    @ParameterizedTest
    @MethodSource("autoCompactions")
    void automaticCompactionKeepsTheConfiguredHistory(AutoCompactor.Settings settings, @TempDir Path dir)
            throws Exception {
        try (TernServer server = start(dir, "mvstore", 0, settings); Client client = TernHarness.client(server);
             RawClient raw = new RawClient(server)) {
            KV kv = client.getKVClient();
            long first = kv.put(bs("k"), bs("0")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            long last = first;
            for (int i = 1; i <= 30; i++) {
                last = kv.put(bs("k"), bs(Integer.toString(i))).get(10, TimeUnit.SECONDS).getHeader().getRevision();
            }
            long newest = last;
            // Revision mode keeps the last ten revisions; periodic mode compacts to a revision it sampled
            // two seconds earlier, which is past the first put once the puts are that old.
            long expected = settings.mode() == AutoCompactor.Mode.REVISION ? newest - 10 : newest;
            Eventually.within(Duration.ofSeconds(15), () -> assertThat(raw.maintenance()
                    .hashKV(HashKVRequest.getDefaultInstance()).getCompactRevision()).isEqualTo(expected));
            assertThatThrownBy(() -> kv.get(bs("k"), GetOption.builder().withRevision(first).build()).get(10, TimeUnit.SECONDS))
                    .hasMessageContaining("required revision has been compacted");
        }
    }

    private static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFromUtf8(value)).build();
    }
}
