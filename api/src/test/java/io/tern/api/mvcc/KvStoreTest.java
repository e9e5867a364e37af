package io.tern.api.mvcc;

import com.google.protobuf.ByteString;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.memory.MemoryStorageProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The store on the in-memory engine: revisions, reopen, and that compaction really frees storage. */
class KvStoreTest {

    private static StorageEngine engine(Path dir) {
        return new MemoryStorageProvider().create(StorageConfig.of(dir), new StorageContext("test"));
    }

    private static PutRequest put(String k, String v) {
        return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).setValue(ByteString.copyFromUtf8(v)).build();
    }

    private static long entries(StorageEngine engine) {
        long[] n = {0};
        engine.scan(new byte[0], null, false, (k, v) -> {
            n[0]++;
            return true;
        });
        return n[0];
    }

    private static void write(KvStore store, long index, java.util.function.Consumer<KvStoreTxn> op) {
        KvStoreTxn txn = store.beginWrite();
        txn.beginEntry();
        op.accept(txn);
        txn.endEntry();
        txn.commit(index);
    }

    @Test
    void anEmptyStoreIsAtRevisionOneAndEachWritingEntryAddsOne(@TempDir Path dir) {
        try (KvStore store = KvStore.open(engine(dir))) {
            assertThat(store.currentRevision()).isEqualTo(1);
            write(store, 1, t -> t.put(put("a", "1")));
            write(store, 2, t -> t.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("zz")).build()));
            assertThat(store.currentRevision()).as("a delete of nothing makes no revision").isEqualTo(2);
            assertThat(store.appliedIndex()).isEqualTo(2);
        }
    }

    @Test
    void physicalCompactionRemovesSupersededVersionsAndChangeLog(@TempDir Path dir) throws Exception {
        try (KvStore store = KvStore.open(engine(dir))) {
            long index = 0;
            for (int i = 0; i < 3000; i++) {
                int n = i;
                write(store, ++index, t -> t.put(put("k" + (n % 10), "v" + n)));
            }
            write(store, ++index, t -> t.deleteRange(DeleteRangeRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("k9")).build()));
            long before = entries(store.engine());
            long rev = store.currentRevision();
            write(store, ++index, t -> t.compact(rev));
            store.compactionDone(rev).get(30, TimeUnit.SECONDS);
            long after = entries(store.engine());
            // 9 live keys remain, one version each, plus metadata; no change-log entries.
            assertThat(before).isGreaterThan(6000);
            assertThat(after).isLessThan(20);
            var r = store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k"))
                    .setRangeEnd(ByteString.copyFromUtf8("l")).build());
            assertThat(r.getCount()).isEqualTo(9);
            assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("v2990");
            assertThat(r.getKvs(0).getVersion()).isEqualTo(300);
        }
    }

    @Test
    void leaseAttachmentsFollowPutsDeletesAndRevokes(@TempDir Path dir) {
        try (KvStore store = KvStore.open(engine(dir))) {
            write(store, 1, t -> t.grantLease(1, 30));
            write(store, 2, t -> t.grantLease(2, 30));
            write(store, 3, t -> t.put(put("a", "1").toBuilder().setLease(1).build()));
            write(store, 4, t -> t.put(put("b", "1").toBuilder().setLease(1).build()));
            write(store, 5, t -> t.put(put("c", "1").toBuilder().setLease(1).build()));
            write(store, 6, t -> t.put(put("b", "2").toBuilder().setLease(2).build()));
            write(store, 7, t -> t.put(put("c", "2")));
            assertThat(store.leaseKeys(1)).extracting(String::new).containsExactly("a");
            assertThat(store.leaseKeys(2)).extracting(String::new).containsExactly("b");
            long before = store.currentRevision();
            write(store, 8, t -> t.revokeLease(2));
            assertThat(store.currentRevision()).isEqualTo(before + 1);
            assertThat(store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("b")).build()).getKvsCount())
                    .isZero();
            java.util.Map<Long, Long> leases = new java.util.HashMap<>();
            store.leases(leases::put);
            assertThat(leases).containsExactly(java.util.Map.entry(1L, 30L));
            write(store, 9, t -> t.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build()));
            assertThat(store.leaseKeys(1)).isEmpty();
            long at = store.currentRevision();
            write(store, 10, t -> t.revokeLease(1));
            assertThat(store.currentRevision()).as("a revoke with no keys makes no revision").isEqualTo(at);
        }
    }

    @Test
    void changesReplayWithPreviousVersionsAndSurviveCompactionAtTheirRevision(@TempDir Path dir) throws Exception {
        try (KvStore store = KvStore.open(engine(dir))) {
            write(store, 1, t -> t.put(put("a", "1")));
            write(store, 2, t -> t.put(put("a", "2")));
            write(store, 3, t -> t.deleteRange(DeleteRangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("a")).build()));
            write(store, 4, t -> t.put(put("a", "3")));
            java.util.List<String> seen = new java.util.ArrayList<>();
            store.changes(2, store.currentRevision(), c -> seen.add(c.revision() + (c.isDelete() ? " del" : " put")
                    + " prev=" + (c.prevRecord() == null ? "-" : c.toEvent(true).getPrevKv().getValue().toStringUtf8())));
            assertThat(seen).containsExactly("2 put prev=-", "3 put prev=1", "4 del prev=2", "5 put prev=-");

            write(store, 5, t -> t.compact(4));
            store.compactionDone(4).get(30, TimeUnit.SECONDS);
            seen.clear();
            store.changes(4, store.currentRevision(), c -> seen.add(c.revision() + (c.isDelete() ? " del" : " put")));
            assertThat(seen).as("the compacted revision itself stays readable").containsExactly("4 del", "5 put");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.changes(3, 5, c -> true))
                    .hasMessage("etcdserver: mvcc: required revision has been compacted");
        }
    }
}
