package io.tern.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a member's data directory:
 * <pre>
 *  member/storage-backend   the storage engine's name, written at creation
 *  member/kv/               the storage engine's own files
 *  member/raft/             the consensus log, metadata and snapshots
 * </pre>
 * A directory created by one engine is never opened with another.
 */
record DataDir(Path root) {

    Path member() {
        return root.resolve("member");
    }

    Path kv() {
        return member().resolve("kv");
    }

    Path raft() {
        return member().resolve("raft");
    }

    /** Where {@code --auto-tls} ({@code side} "client") or {@code --peer-auto-tls} ("peer") keep their certificate. */
    Path fixtures(String side) {
        return root.resolve("fixtures").resolve(side);
    }

    /**
     * The cluster as this member first joined it. Like etcd, the {@code --initial-*} flags count only on
     * the first start; later starts use what was recorded then, so ids and the raft peer address stay put.
     */
    Bootstrap bootstrap(java.util.function.Supplier<Bootstrap> fromFlags) {
        Path file = clusterFile();
        try {
            if (Files.exists(file)) {
                java.util.Properties p = new java.util.Properties();
                try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    p.load(in);
                }
                return Bootstrap.fromProperties(p);
            }
            Bootstrap first = fromFlags.get();
            record(first);
            return first;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write " + file, e);
        }
    }

    /** Replaces the recorded bootstrap (a joining member that has learned its ids). */
    void record(Bootstrap b) {
        Path file = clusterFile();
        Path tmp = member().resolve("cluster.properties.tmp");
        try {
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                b.toProperties().store(out, "written at bootstrap; the --initial-* flags are ignored from now on");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private Path clusterFile() {
        return member().resolve("cluster.properties");
    }

    /** Creates the layout for {@code backend}, or checks that an existing one was made by it. */
    void claim(String backend) {
        Path marker = member().resolve("storage-backend");
        try {
            if (Files.exists(marker)) {
                String existing = Files.readString(marker, StandardCharsets.UTF_8).trim();
                if (!existing.equals(backend)) {
                    throw new IllegalStateException("data dir " + root + " holds a '" + existing
                            + "' store; start with --storage-backend " + existing + " or use another --data-dir");
                }
                return;
            }
            if (Files.isDirectory(kv())) {
                throw new IllegalStateException("data dir " + root + " has a store but no storage-backend marker");
            }
            Files.createDirectories(member());
            Files.writeString(marker, backend + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare data dir " + root, e);
        }
    }
}
