package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.options.GetOption;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Raft snapshots are taken every --snapshot-count entries and truncate the log. The store is the snapshot:
 * taking one makes it durable, and its checkpoint is written only for a member that installs it
 * (ClusterMembershipTest covers the install).
 */
class RaftSnapshotTest {

    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }

    private static ServerConfig config(Path dir, String engine, int peerPort) {
        return ServerConfig.singleNode("default", dir, 0, peerPort, engine).withSnapshotCount(50);
    }

    /** 300 puts over 40 keys, a snapshot, then one more put; returns once all are acknowledged. */
    private static void writeAcrossSnapshots(TernServer server, Path dir) throws Exception {
        try (Client client = TernHarness.client(server)) {
            KV kv = client.getKVClient();
            for (int i = 0; i < 300; i++) {
                kv.put(bs("snap/" + (i % 40)), bs("v" + i)).get();
            }
            Path snapshots = dir.resolve("member/raft/snapshot");
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!hasSnapshot(snapshots) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(hasSnapshot(snapshots)).as("a snapshot after 300 entries with --snapshot-count 50").isTrue();
            kv.put(bs("after"), bs("snapshot")).get();
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void restartKeepsTheStoreAndReplaysTheLogAfterTheSnapshot(String engine, @TempDir Path dir) throws Exception {
        int peer = TernHarness.freePort();
        try (TernServer server = TernServer.start(config(dir, engine, peer))) {
            writeAcrossSnapshots(server, dir);
        }
        try (Stream<Path> snaps = Files.list(dir.resolve("member/raft/snapshot"))) {
            for (Path snap : snaps.filter(p -> p.getFileName().toString().startsWith("snapshot_")).toList()) {
                try (Stream<Path> files = Files.list(snap)) {
                    assertThat(files.map(f -> f.getFileName().toString()).toList())
                            .as("no follower asked for it, so the snapshot holds no copy of the store")
                            .containsExactly("__raft_snapshot_meta");
                }
            }
        }
        try (TernServer server = TernServer.start(config(dir, engine, peer)); Client client = TernHarness.client(server)) {
            KV kv = client.getKVClient();
            var all = kv.get(bs("snap/"), GetOption.builder().isPrefix(true).build()).get();
            assertThat(all.getCount()).isEqualTo(40);
            assertThat(str(kv.get(bs("snap/39")).get().getKvs().get(0).getValue())).isEqualTo("v279");
            assertThat(str(kv.get(bs("after")).get().getKvs().get(0).getValue())).isEqualTo("snapshot");
            assertThat(all.getHeader().getRevision()).isEqualTo(302);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aLostStoreCannotBeReplayedPastTheTruncatedLog(String engine, @TempDir Path dir) throws Exception {
        int peer = TernHarness.freePort();
        try (TernServer server = TernServer.start(config(dir, engine, peer))) {
            writeAcrossSnapshots(server, dir);
        }
        deleteTree(dir.resolve("member/kv"));
        Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (TernServer server = TernServer.start(config(dir, engine, peer))) {
                server.clientPort(0);
            }
        });
        assertThat(refused).as("an empty store must not be served as if it held the acknowledged writes")
                .hasStackTraceContaining("the store was lost or rolled back");
    }

    private static boolean hasSnapshot(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith("snapshot_"));
        }
    }

    private static void deleteTree(Path p) throws java.io.IOException {
        try (Stream<Path> s = Files.walk(p)) {
            List<Path> all = s.sorted(Comparator.reverseOrder()).toList();
            for (Path x : all) {
                Files.delete(x);
            }
        }
    }
}
