package io.tern.api.apply;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tern.api.cluster.ResponseHeaders;
import io.tern.api.error.EtcdException;
import io.tern.api.kv.TxnApply;
import io.tern.api.mvcc.KvStore;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.proto.etcdserverpb.CompactionResponse;
import io.tern.api.proto.raft.RaftRequest;
import io.tern.spi.consensus.LogEntry;
import io.tern.spi.consensus.StateMachine;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.StorageProvider;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies committed {@link RaftRequest}s to the {@link KvStore}. All entries of one {@link #apply} call
 * share one storage batch, written together with the last entry's index.
 *
 * <p>An entry's result is its response message, or the {@link EtcdException} etcd would answer with (a
 * rejected request changes nothing), or, for a physical compaction, a future of the response that
 * completes when the old versions are gone.
 */
public final class KvStateMachine implements StateMachine {
    private static final System.Logger LOG = System.getLogger(KvStateMachine.class.getName());

    private final StorageProvider provider;
    private final StorageConfig storageConfig;
    private final StorageContext context;
    private final ResponseHeaders headers;
    private volatile KvStore store;

    public KvStateMachine(StorageProvider provider, StorageConfig storageConfig, StorageContext context,
                          ResponseHeaders headers) {
        this.provider = provider;
        this.storageConfig = storageConfig;
        this.context = context;
        this.headers = headers;
        this.store = KvStore.open(provider.create(storageConfig, context));
    }

    /** The store readers use; replaced when a snapshot is installed. */
    public KvStore store() {
        return store;
    }

    @Override
    public long appliedIndex() {
        return store.appliedIndex();
    }

    @Override
    public List<Object> apply(List<LogEntry> entries) {
        KvStore s = store;
        long applied = s.appliedIndex();
        List<Object> results = new ArrayList<>(entries.size());
        KvStoreTxn txn = s.beginWrite();
        long last = applied;
        try {
            for (LogEntry e : entries) {
                if (e.index() <= last) {
                    throw new IllegalStateException("log entry " + e.index() + " handed over again; the store has applied "
                            + last);
                }
                results.add(applyOne(s, txn, e));
                last = e.index();
            }
            txn.commit(last);
        } catch (RuntimeException | Error e) {
            txn.abandon();
            throw e;
        }
        return results;
    }

    private Object applyOne(KvStore s, KvStoreTxn txn, LogEntry e) {
        RaftRequest request;
        try {
            request = RaftRequest.parseFrom(e.data());
        } catch (InvalidProtocolBufferException ex) {
            throw new IllegalStateException("undecodable log entry " + e.index() + " (term " + e.term() + ")", ex);
        }
        txn.beginEntry();
        try {
            Object result = switch (request.getRequestCase()) {
                case PUT -> {
                    var b = txn.put(request.getPut());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case DELETE_RANGE -> {
                    var b = txn.deleteRange(request.getDeleteRange());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case TXN -> {
                    var b = TxnApply.apply(txn, request.getTxn());
                    yield b.setHeader(headers.header(txn.endEntry(), e.term())).build();
                }
                case COMPACTION -> {
                    long rev = request.getCompaction().getRevision();
                    txn.compact(rev);
                    CompactionResponse resp = CompactionResponse.newBuilder()
                            .setHeader(headers.header(txn.endEntry(), e.term())).build();
                    if (request.getCompaction().getPhysical()) {
                        // The store is swapped only by snapshot install, on this thread: s stays valid.
                        yield s.compactionDone(rev).thenApply(v -> resp);
                    }
                    yield resp;
                }
                case REQUEST_NOT_SET -> throw new IllegalStateException("empty request in log entry " + e.index());
            };
            return result;
        } catch (EtcdException rejected) {
            if (txn.entryChanged()) {
                throw new IllegalStateException("entry " + e.index() + " failed after writing: " + rejected.getMessage());
            }
            txn.endEntry();
            return rejected;
        }
    }

    @Override
    public void saveSnapshot(Path dir) {
        store.checkpoint(dir);
    }

    @Override
    public void loadSnapshot(Path dir) {
        LOG.log(System.Logger.Level.INFO, "installing snapshot from {0}", dir);
        store.close();
        provider.restore(dir, storageConfig.directory());
        StorageEngine engine = provider.create(storageConfig, context);
        store = KvStore.open(engine);
    }

    /** Closes the store. */
    public void close() {
        store.close();
    }
}
