package io.tern.api.kv;

import com.google.protobuf.Message;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.apply.Proposer;
import io.tern.api.maintenance.Quota;
import io.tern.api.mvcc.KvStore;
import io.tern.api.proto.etcdserverpb.CompactionRequest;
import io.tern.api.proto.etcdserverpb.CompactionResponse;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.DeleteRangeResponse;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.TxnResponse;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.ConsensusEngine;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The KV API's path: check the request as etcd does, then either read locally (serializable, or after a
 * read barrier when linearizable) or propose it through consensus and hand back the applied result.
 * Transports (gRPC, the HTTP gateway) call this and map failures with {@link io.tern.api.error.ErrorMapper}.
 */
public final class KvService {
    private final ConsensusEngine consensus;
    private final Supplier<KvStore> store;
    private final ResponseHeaders headers;
    private final KvValidation validation;
    private final Proposer proposer;

    private final Quota quota;

    public KvService(Proposer proposer, Supplier<KvStore> store, ResponseHeaders headers, KvLimits limits,
                     Quota quota) {
        this.quota = quota;
        this.consensus = proposer.consensus();
        this.store = store;
        this.headers = headers;
        this.validation = new KvValidation(limits.maxTxnOps());
        this.proposer = proposer;
    }

    public CompletableFuture<RangeResponse> range(RangeRequest r) {
        KvValidation.checkRange(r);
        if (r.getSerializable()) {
            CompletableFuture<Void> own = consensus.acknowledgedBarrier();
            return own.isDone() ? CompletableFuture.completedFuture(read(r)) : own.thenApply(v -> read(r));
        }
        return consensus.readBarrier().thenApply(v -> read(r));
    }

    private RangeResponse read(RangeRequest r) {
        RangeResponse.Builder b = store.get().range(r);
        return b.setHeader(headers.header(b.getHeader().getRevision(), consensus.term())).build();
    }

    public CompletableFuture<PutResponse> put(PutRequest r) {
        KvValidation.checkPut(r);
        quota.check(r);
        return propose(RaftRequest.newBuilder().setPut(r).build(), PutResponse.class);
    }

    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
        KvValidation.checkDelete(r);
        return propose(RaftRequest.newBuilder().setDeleteRange(r).build(), DeleteRangeResponse.class);
    }

    /** A txn without writes is read-only: it is served like a range (serializable only if every range is). */
    public CompletableFuture<TxnResponse> txn(TxnRequest r) {
        validation.checkTxn(r);
        TxnReads reads = TxnReads.of(r);
        if (!reads.writes()) {
            CompletableFuture<Void> ready = reads.serializable()
                    ? CompletableFuture.completedFuture(null) : consensus.readBarrier();
            return ready.thenApply(v -> {
                KvStore s = store.get();
                var view = s.beginRead();
                TxnResponse.Builder b = TxnApply.apply(view, r);
                // As for a range: a compaction that overtook the reads may have removed versions they needed.
                s.checkNotCompacted(Math.min(view.revision(), reads.oldestRevision()));
                return b.setHeader(headers.header(view.revision(), consensus.term())).build();
            });
        }
        quota.check(r);
        return propose(RaftRequest.newBuilder().setTxn(r).build(), TxnResponse.class);
    }

    /**
     * What a txn's operations, nested ones included, ask of the store, gathered in one walk.
     *
     * @param writes         some branch puts or deletes (otherwise the txn is read-only)
     * @param serializable   every range is serializable (etcd then skips the read barrier)
     * @param oldestRevision the lowest explicit range revision, {@code Long.MAX_VALUE} when none
     */
    private record TxnReads(boolean writes, boolean serializable, long oldestRevision) {
        static TxnReads of(TxnRequest r) {
            boolean writes = false;
            boolean serializable = true;
            long oldest = Long.MAX_VALUE;
            for (var list : java.util.List.of(r.getSuccessList(), r.getFailureList())) {
                for (RequestOp op : list) {
                    switch (op.getRequestCase()) {
                        case REQUEST_PUT, REQUEST_DELETE_RANGE -> writes = true;
                        case REQUEST_RANGE -> {
                            serializable &= op.getRequestRange().getSerializable();
                            if (op.getRequestRange().getRevision() > 0) {
                                oldest = Math.min(oldest, op.getRequestRange().getRevision());
                            }
                        }
                        case REQUEST_TXN -> {
                            TxnReads nested = of(op.getRequestTxn());
                            writes |= nested.writes;
                            serializable &= nested.serializable;
                            oldest = Math.min(oldest, nested.oldestRevision);
                        }
                        case REQUEST_NOT_SET -> { }
                    }
                }
            }
            return new TxnReads(writes, serializable, oldest);
        }
    }

    public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
        return propose(RaftRequest.newBuilder().setCompaction(r).build(), CompactionResponse.class);
    }

    private <T extends Message> CompletableFuture<T> propose(RaftRequest request, Class<T> type) {
        return proposer.propose(request, type);
    }
}
