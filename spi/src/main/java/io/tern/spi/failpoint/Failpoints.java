package io.tern.spi.failpoint;

import java.util.Arrays;
import java.util.Optional;

/**
 * The failpoints of one member, handed to the code each point is compiled into (through
 * {@link io.tern.spi.storage.StorageContext} for storage and the MVCC store). Production members get
 * {@link #NONE}; tests enable points by name at start-up (the server reads the {@code tern.failpoints}
 * system property once and passes the result in).
 *
 * <p>Every point is listed in {@link Name}, so a misspelt point fails where the points are parsed, not
 * silently at run time.
 */
@FunctionalInterface
public interface Failpoints {

    /** No point enabled: every {@link #point} is {@link Failpoint#OFF}. */
    Failpoints NONE = name -> Failpoint.OFF;

    /** The point {@code name}: {@link Failpoint#OFF} unless enabled. Resolve once, not on every pass. */
    Failpoint point(Name name);

    /** Every place a failpoint is compiled in, with the name it is enabled by. */
    enum Name {
        /**
         * MVCC compaction ({@code api}): after one chunk of a physical compaction has been written (its
         * versions deleted and its progress recorded) while more chunks remain, so the compaction is done
         * in part and not recorded as finished. etcd's {@code compactAfterCommitBatch}.
         */
        COMPACT_AFTER_COMMIT_BATCH("compactAfterCommitBatch"),
        /**
         * Raft snapshot install on a member that was behind ({@code StorageProvider.restore}): after the
         * first part of the checkpoint (an entry of an MVStore checkpoint, a file of a copied one) is in
         * the new store, built beside the member's own, and before the rest is.
         */
        APPLY_SNAPSHOT_MIDWAY("applySnapshotMidway"),
        /**
         * Raft snapshot install ({@code api}'s state machine): after the restored store is in place and before
         * it is opened and the install is reported done to raft, which then records the snapshot as applied.
         */
        APPLY_SNAPSHOT_AFTER_RESTORE("applySnapshotAfterRestore"),
        /**
         * Raft snapshot save for a member that is behind ({@code StorageEngine.checkpoint}): after the first
         * entry of the checkpoint is written and before the rest is. Compiled into the MVStore engine only:
         * RocksDB writes its checkpoint in one native call.
         */
        SAVE_SNAPSHOT_MIDWAY("saveSnapshotMidway");

        private final String text;

        Name(String text) {
            this.text = text;
        }

        /** The name as given in {@code tern.failpoints}. */
        public String text() {
            return text;
        }

        /** The point called {@code text}, if there is one. */
        public static Optional<Name> of(String text) {
            return Arrays.stream(values()).filter(n -> n.text.equals(text)).findFirst();
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
