package io.tern.spi.consensus;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What the replicated log drives. Every method but {@link #persist} and {@link #saveSnapshot} is called
 * by the consensus engine on its single apply thread, one call at a time, so implementations need no
 * locking against each other; those two run on other engine threads while entries are applied.
 */
public interface StateMachine {

    /**
     * The index of the last entry whose effects the local store holds durably-or-replayably; the engine
     * hands over only entries after it, so a restart replays exactly what the store has not seen.
     */
    long appliedIndex();

    /**
     * Applies committed entries in log order and returns one result per entry, in the same order. The
     * effects and the last entry's index are recorded atomically (one storage batch). Commands that one
     * log entry carried share its index and come in one call, so no batch ends inside such an entry. A
     * thrown exception means the state machine can no longer be trusted: the engine stops the member.
     */
    List<Object> apply(List<LogEntry> entries);

    /**
     * Encodes an {@link #apply} result for the member that proposed the entry through this one (the
     * leader), so that member can answer its caller without waiting for its own apply. A result that is
     * itself pending may complete the future later. Called on engine threads, not the apply thread.
     */
    CompletableFuture<byte[]> encodeResult(Object result);

    /** Decodes what {@link #encodeResult} produced on another member. */
    Object decodeResult(byte[] encoded);

    /**
     * Makes the effects of every entry applied so far durable. A raft snapshot is this call: once it
     * returns, the engine may drop the log up to the index it has applied, so after a crash the local
     * state must come back at least that far.
     */
    void persist();

    /**
     * Writes a consistent copy of the state into {@code dir} (which does not exist yet), for a member that
     * installs a snapshot. The copy holds at least every entry applied before the call, and may hold
     * later ones: replay after {@link #loadSnapshot} skips what the copy's {@link #appliedIndex()} covers.
     */
    void saveSnapshot(Path dir);

    /** Replaces the state with a copy written by {@link #saveSnapshot}. */
    void loadSnapshot(Path dir);

    /**
     * This member became leader of {@code term}. Called in order with {@link #apply}: every entry of
     * earlier terms this member will ever apply as leader has been applied.
     */
    default void onLeaderStart(long term) {
    }

    /** This member is no longer leader (stepped down, or is stopping). */
    default void onLeaderStop() {
    }
}
