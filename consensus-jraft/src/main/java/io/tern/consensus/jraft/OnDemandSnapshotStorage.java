package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.JRaftServiceFactory;
import com.alipay.sofa.jraft.core.DefaultJRaftServiceFactory;
import com.alipay.sofa.jraft.entity.LocalFileMetaOutter.LocalFileMeta;
import com.alipay.sofa.jraft.entity.LogEntry;
import com.alipay.sofa.jraft.option.NodeOptions;
import com.alipay.sofa.jraft.option.RaftOptions;
import com.alipay.sofa.jraft.storage.LogStorage;
import com.alipay.sofa.jraft.storage.SnapshotStorage;
import com.alipay.sofa.jraft.storage.impl.RocksDBLogStorage;
import com.alipay.sofa.jraft.storage.snapshot.Snapshot;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.local.LocalSnapshotMetaTable;
import com.alipay.sofa.jraft.storage.snapshot.local.LocalSnapshotStorage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * jraft's local snapshot storage, with snapshots whose state is written only when a member needs it.
 *
 * <p>A snapshot saved by {@link FsmAdapter} holds only jraft's metadata: the state stays in the local
 * store, made durable first, as etcd's snapshot leaves the data in its backend file. Copying the whole
 * store every {@code --snapshot-count} entries on every member would cost CPU and disk for a copy that is
 * almost never read, and would grow with the store.
 *
 * <p>Such an empty snapshot is filled the first time it is opened to be sent to a follower: the state
 * machine writes its checkpoint into the snapshot's directory and the metadata is rewritten to list it.
 * The checkpoint may be newer than the snapshot's index; the receiving member skips the entries its
 * store already holds. The first {@link #open} is jraft loading the latest snapshot when the member
 * starts, which {@link FsmAdapter#onSnapshotLoad} handles without a copy; every later one is a leader's
 * replicator about to ship it.
 */
final class OnDemandSnapshotStorage extends LocalSnapshotStorage {
    private static final System.Logger LOG = System.getLogger(OnDemandSnapshotStorage.class.getName());
    /** Opens before giving up on an empty latest snapshot (each attempt finds a newer one). */
    private static final int ATTEMPTS = 3;

    private final RaftOptions raftOptions;
    private final Consumer<Path> writeState;
    private final Object filling = new Object();
    private boolean startupOpenSeen;

    /** @param writeState writes the state machine's checkpoint under the given snapshot directory */
    OnDemandSnapshotStorage(String path, String tempPath, RaftOptions raftOptions, Consumer<Path> writeState) {
        super(path, tempPath, raftOptions);
        this.raftOptions = raftOptions;
        this.writeState = writeState;
    }

    /** jraft's default services, with this snapshot storage. */
    static JRaftServiceFactory serviceFactory(Consumer<Path> writeState, LongConsumer logSyncNanos) {
        LogMemtables.install();
        return new DefaultJRaftServiceFactory() {
            @Override
            public SnapshotStorage createSnapshotStorage(NodeOptions options) {
                return new OnDemandSnapshotStorage(options.getSnapshotUri(), options.getSnapshotTempUri(),
                        options.getRaftOptions(), writeState);
            }

            /** jraft's RocksDB log, timed: with sync on, an append returns once it is on disk (etcd's WAL fsync). */
            @Override
            public LogStorage createLogStorage(String uri, RaftOptions raftOptions) {
                return new RocksDBLogStorage(uri, raftOptions) {
                    @Override
                    public int appendEntries(List<LogEntry> entries) {
                        long started = System.nanoTime();
                        try {
                            return super.appendEntries(entries);
                        } finally {
                            logSyncNanos.accept(System.nanoTime() - started);
                        }
                    }
                };
            }
        };
    }

    @Override
    public SnapshotReader open() {
        synchronized (filling) {
            SnapshotReader reader = super.open();
            if (!startupOpenSeen) {
                startupOpenSeen = true;
                return reader;
            }
            for (int attempt = 1; reader != null && reader.listFiles().isEmpty(); attempt++) {
                if (attempt > ATTEMPTS) {
                    close(reader);
                    throw new IllegalStateException("snapshot " + reader.getPath() + " is still empty after "
                            + ATTEMPTS + " attempts to fill it");
                }
                // The reader's reference keeps the directory until the filled one is opened.
                try {
                    fill(Path.of(reader.getPath()));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "cannot write snapshot " + reader.getPath()
                            + " for a follower; it will be asked for again", e);
                    close(reader);
                    throw e;
                }
                SnapshotReader filled = super.open();
                close(reader);
                reader = filled;
            }
            return reader;
        }
    }

    private void fill(Path dir) {
        long started = System.nanoTime();
        Path state = dir.resolve(FsmAdapter.STATE_DIR);
        try {
            // Everything but the metadata was left by a fill that failed or crashed half-way (the state
            // machine's own leftovers, such as a partial checkpoint beside the state, included).
            try (Stream<Path> left = Files.list(dir)) {
                for (Path p : left.filter(p -> !p.getFileName().toString().equals(Snapshot.JRAFT_SNAPSHOT_META_FILE))
                        .toList()) {
                    deleteTree(p);
                }
            }
            writeState.accept(state);
            LocalSnapshotMetaTable table = new LocalSnapshotMetaTable(raftOptions);
            String metaPath = dir.resolve(Snapshot.JRAFT_SNAPSHOT_META_FILE).toString();
            if (!table.loadFromFile(metaPath)) {
                throw new IOException("cannot read " + metaPath);
            }
            try (Stream<Path> files = Files.walk(state)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    table.addFile(dir.relativize(f).toString(), LocalFileMeta.newBuilder().build());
                }
            }
            if (!table.saveToFile(metaPath)) {
                throw new IOException("cannot write " + metaPath);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot fill snapshot " + dir + " for a follower", e);
        }
        LOG.log(System.Logger.Level.INFO, "wrote the state into snapshot {0} for a follower in {1} ms", dir,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static void close(SnapshotReader reader) {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release snapshot reader " + reader.getPath(), e);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> all = walk.sorted(java.util.Comparator.reverseOrder()).toList();
            for (Path p : all) {
                Files.delete(p);
            }
        }
    }
}
