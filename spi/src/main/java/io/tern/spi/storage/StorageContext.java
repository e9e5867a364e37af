package io.tern.spi.storage;

import java.util.Objects;
import java.util.function.LongConsumer;

/**
 * What the host tells an engine about where it runs.
 *
 * @param memberName  the member's configured name, for log lines
 * @param commitNanos told how long each commit to the engine's files took, in nanoseconds: whatever
 *                    writes written batches to disk (a file store's commit, a write-ahead log append) and
 *                    each {@link StorageEngine#sync} (etcd's backend commit metric). Must be quick.
 */
public record StorageContext(String memberName, LongConsumer commitNanos) {
    public StorageContext {
        Objects.requireNonNull(commitNanos, "commitNanos");
    }

    /** A context that is not told about commits. */
    public StorageContext(String memberName) {
        this(memberName, nanos -> { });
    }
}
