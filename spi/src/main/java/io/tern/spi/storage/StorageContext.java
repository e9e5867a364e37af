package io.tern.spi.storage;

import io.tern.spi.failpoint.Failpoints;
import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * What the host tells an engine about where it runs.
 *
 * @param memberName  the member's configured name, for log lines
 * @param commitNanos told how long each commit to the engine's files took, in nanoseconds: whatever
 *                    writes written batches to disk (a file store's commit, a write-ahead log append) and
 *                    each {@link StorageEngine#sync} (etcd's backend commit metric). Must be quick.
 * @param failpoints  the member's failpoints ({@link Failpoints#NONE} outside tests); an engine resolves
 *                    the ones compiled into it when it is created or restores
 */
public record StorageContext(String memberName, LongConsumer commitNanos, Failpoints failpoints) {
    public StorageContext {
        Objects.requireNonNull(commitNanos, "commitNanos");
        Objects.requireNonNull(failpoints, "failpoints");
    }

    /** A context without failpoints. */
    public StorageContext(String memberName, LongConsumer commitNanos) {
        this(memberName, commitNanos, Failpoints.NONE);
    }

    /** A context that is not told about commits and has no failpoints. */
    public StorageContext(String memberName) {
        this(memberName, nanos -> { });
    }
}
