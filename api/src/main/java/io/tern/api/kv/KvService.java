package io.tern.api.kv;

import com.google.protobuf.Message;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
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
    private final KvLimits limits;
    private final KvValidation validation;

    public KvService(ConsensusEngine consensus, Supplier<KvStore> store, ResponseHeaders headers, KvLimits limits) {
        this.consensus = consensus;
        this.store = store;
        this.headers = headers;
        this.limits = limits;
        this.validation = new KvValidation(limits.maxTxnOps());
    }

    public CompletableFuture<RangeResponse> range(RangeRequest r) {
        KvValidation.checkRange(r);
        if (r.getSerializable()) {
            return CompletableFuture.completedFuture(read(r));
        }
        return consensus.readBarrier().thenApply(v -> read(r));
    }

    private RangeResponse read(RangeRequest r) {
        RangeResponse.Builder b = store.get().range(r);
        return b.setHeader(headers.header(b.getHeader().getRevision(), consensus.term())).build();
    }

    public CompletableFuture<PutResponse> put(PutRequest r) {
        KvValidation.checkPut(r);
        return propose(RaftRequest.newBuilder().setPut(r).build(), PutResponse.class);
    }

    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest r) {
        KvValidation.checkDelete(r);
        return propose(RaftRequest.newBuilder().setDeleteRange(r).build(), DeleteRangeResponse.class);
    }

    /** A txn without writes is read-only: it is served like a range (serializable only if every range is). */
    public CompletableFuture<TxnResponse> txn(TxnRequest r) {
        validation.checkTxn(r);
        if (!writes(r)) {
            CompletableFuture<Void> ready = serializable(r)
                    ? CompletableFuture.completedFuture(null) : consensus.readBarrier();
            return ready.thenApply(v -> {
                KvStore s = store.get();
                var view = s.beginRead();
                TxnResponse.Builder b = TxnApply.apply(view, r);
                // As for a range: a compaction that overtook the reads may have removed versions they needed.
                s.checkNotCompacted(oldestRead(r, view.revision()));
                return b.setHeader(headers.header(view.revision(), consensus.term())).build();
            });
        }
        return propose(RaftRequest.newBuilder().setTxn(r).build(), TxnResponse.class);
    }

    private static boolean writes(TxnRequest r) {
        for (var list : java.util.List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : list) {
                switch (op.getRequestCase()) {
                    case REQUEST_PUT, REQUEST_DELETE_RANGE -> {
                        return true;
                    }
                    case REQUEST_TXN -> {
                        if (writes(op.getRequestTxn())) {
                            return true;
                        }
                    }
                    default -> { }
                }
            }
        }
        return false;
    }

    /** The oldest revision a read-only txn reads at: compares and plain ranges read at {@code current}. */
    private static long oldestRead(TxnRequest r, long current) {
        long oldest = current;
        for (var list : java.util.List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : list) {
                if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE && op.getRequestRange().getRevision() > 0) {
                    oldest = Math.min(oldest, op.getRequestRange().getRevision());
                }
                if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
                    oldest = Math.min(oldest, oldestRead(op.getRequestTxn(), current));
                }
            }
        }
        return oldest;
    }

    /** etcd: a read-only txn skips the read barrier only when every range in it is serializable. */
    private static boolean serializable(TxnRequest r) {
        for (var list : java.util.List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : list) {
                if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_RANGE && !op.getRequestRange().getSerializable()) {
                    return false;
                }
                if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN && !serializable(op.getRequestTxn())) {
                    return false;
                }
            }
        }
        return true;
    }

    public CompletableFuture<CompactionResponse> compact(CompactionRequest r) {
        return propose(RaftRequest.newBuilder().setCompaction(r).build(), CompactionResponse.class);
    }

    private <T extends Message> CompletableFuture<T> propose(RaftRequest request, Class<T> type) {
        byte[] bytes = request.toByteArray();
        if (bytes.length > limits.maxRequestBytes()) {
            return CompletableFuture.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
        }
        return consensus.propose(bytes).thenCompose(result -> unwrap(result, type));
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
