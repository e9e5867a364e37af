package io.tern.spi.consensus;

import java.util.concurrent.CompletableFuture;

/**
 * A replicated log in front of a {@link StateMachine}.
 *
 * <p>Every method is non-blocking. Futures complete on engine threads: callers must not run long work in
 * their continuations. Failures complete futures exceptionally with {@link ConsensusException}.
 */
public interface ConsensusEngine extends AutoCloseable {

    /** Joins or forms the group and starts replaying the log into the state machine. */
    void start();

    /**
     * Appends {@code command} to the log. The future completes with the state machine's result for this
     * entry once the entry is committed and applied locally. Concurrent proposals share log appends.
     */
    CompletableFuture<Object> propose(byte[] command);

    /**
     * A linearizable read barrier: completes once the local state machine has applied every entry that
     * was committed when this call was made, so a read that follows sees every write acknowledged before it.
     */
    CompletableFuture<Void> readBarrier();

    /** The current term, cheaply: every response header carries it. */
    default long term() {
        return status().term();
    }

    /** The engine's view of the group now. */
    ConsensusStatus status();

    @Override
    void close();
}
