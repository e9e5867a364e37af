package io.tern.api.apply;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.ConsensusEngine;

import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Proposes {@link RaftRequest}s and hands back what {@link KvStateMachine} answered for them: a response
 * of the expected type, or etcd's error. Requests over the size limit are refused before the log. A
 * response the leader built (for a request this member forwarded) gets this member's id in its header.
 */
public final class Proposer {
    private final ConsensusEngine consensus;
    private final int maxRequestBytes;
    private final LongSupplier memberId;

    /** @param memberId this member's id, put in the header of results the leader built */
    public Proposer(ConsensusEngine consensus, int maxRequestBytes, LongSupplier memberId) {
        this.consensus = consensus;
        this.maxRequestBytes = maxRequestBytes;
        this.memberId = memberId;
    }

    public ConsensusEngine consensus() {
        return consensus;
    }

    public <T> CompletableFuture<T> propose(RaftRequest request, Class<T> type) {
        byte[] bytes = request.toByteArray();
        if (bytes.length > maxRequestBytes) {
            return CompletableFuture.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
        }
        return consensus.propose(bytes).thenCompose(result -> unwrap(result, type));
    }

    private <T> CompletableFuture<T> unwrap(Object result, Class<T> type) {
        if (result instanceof EtcdException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (result instanceof CompletableFuture<?> pending) {
            return pending.thenCompose(r -> unwrap(r, type));
        }
        if (!type.isInstance(result)) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                    "applied result " + (result == null ? "null" : result.getClass().getName()) + " is not a " + type.getName()));
        }
        return CompletableFuture.completedFuture(AppliedResults.withMemberId(type.cast(result), memberId.getAsLong()));
    }
}
