package io.tern.spi.consensus;

import java.util.concurrent.CompletableFuture;

/**
 * Answers requests that one member's upper layer sends another's through the consensus engine's peer
 * channel ({@link ConsensusEngine#callLeader}, {@link ConsensusEngine#callMember}). The bytes are the
 * upper layer's own encoding; the engine only carries them. Called on engine I/O threads: answers that
 * take time must complete the future later rather than block.
 */
@FunctionalInterface
public interface PeerCalls {
    CompletableFuture<byte[]> answer(byte[] request);

    /** Refuses every call; for members whose upper layer needs none. */
    PeerCalls NONE = request -> CompletableFuture.failedFuture(new UnsupportedOperationException("no peer calls"));
}
