package io.tern.api.apply;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.ConsensusEngine;

import java.util.concurrent.CompletableFuture;

/**
 * Proposes {@link RaftRequest}s and hands back what {@link KvStateMachine} answered for them: a response
 * of the expected type, or etcd's error. Requests over the size limit are refused before the log.
 */
public final class Proposer {
    private final ConsensusEngine consensus;
    private final int maxRequestBytes;
    private final java.util.concurrent.atomic.AtomicLong pending = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();

    public Proposer(ConsensusEngine consensus, int maxRequestBytes) {
        this.consensus = consensus;
        this.maxRequestBytes = maxRequestBytes;
    }

    public ConsensusEngine consensus() {
        return consensus;
    }

    public <T> CompletableFuture<T> propose(RaftRequest request, Class<T> type) {
        byte[] bytes = request.toByteArray();
        if (bytes.length > maxRequestBytes) {
            return CompletableFuture.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
        }
        pending.incrementAndGet();
        // etcd counts a proposal failed when consensus did not take it (timeout, leader change, stop);
        // one applied with an etcd error was committed all the same.
        return consensus.propose(bytes).whenComplete((r, e) -> {
            pending.decrementAndGet();
            if (e != null) {
                failed.incrementAndGet();
            }
        }).thenCompose(result -> unwrap(result, type));
    }

    /** Proposals handed to consensus and not yet committed and applied (etcd's proposals_pending). */
    public long pending() {
        return pending.get();
    }

    /** Proposals consensus failed (etcd's proposals_failed_total). */
    public long failed() {
        return failed.get();
    }

    private static <T> CompletableFuture<T> unwrap(Object result, Class<T> type) {
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
        return CompletableFuture.completedFuture(type.cast(result));
    }
}
