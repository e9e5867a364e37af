package io.tern.api.mvcc;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.spi.failpoint.Failpoints;
import io.tern.spi.storage.StorageConfig;
import io.tern.spi.storage.StorageContext;
import io.tern.spi.storage.memory.MemoryStorageProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The key index is a cache no one can see: stores whose index holds everything, a few keys, or nothing
 * answer every write alike, watchers' changes included.
 */
class KeyIndexTest {

    private static KeyIndex.Key key(String k) {
        return new KeyIndex.Key(k.getBytes());
    }

    private static KeyIndex.Latest at(long rev) {
        return new KeyIndex.Latest(rev, rev, 1, 0);
    }

    @Test
    void aDeleteDropsTheKeyAndTheBudgetBoundsWhatIsHeld() {
        KeyIndex index = new KeyIndex(10 * (KeyIndex.ENTRY_OVERHEAD + 2));
        index.committed(Map.of(key("a"), at(2)));
        assertThat(index.get(key("a"))).isEqualTo(at(2));
        java.util.HashMap<KeyIndex.Key, KeyIndex.Latest> gone = new java.util.HashMap<>();
        gone.put(key("a"), null);
        index.committed(gone);
        assertThat(index.get(key("a"))).isNull();
        assertThat(index.size()).isZero();
        for (int i = 10; i < 50; i++) {
            index.committed(Map.of(key("k" + i), at(i)));
        }
        assertThat(index.size()).as("held within the budget").isBetween(1, 10);
        assertThat(index.get(key("k49"))).as("what it still holds is right").isIn(null, at(49));
    }

    @Test
    void aNegativeBudgetIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new KeyIndex(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    record Workload(String name, long seed, int batches) {
    }

    static Stream<Workload> workloads() {
        return Stream.of(new Workload("few keys, many versions", 1, 400), new Workload("leases and deletes", 2, 400),
                new Workload("long run", 3, 1500));
    }

    /** Replays one seeded random workload on three stores and compares everything each write answers. */
    @ParameterizedTest
    @MethodSource("workloads")
    void storesWithFullTinyAndNoIndexAnswerAlike(Workload w, @TempDir Path dir) {
        long[] budgets = {1L << 30, 3 * (KeyIndex.ENTRY_OVERHEAD + 2), 0};
        List<KvStore> stores = new ArrayList<>();
        try {
            for (int i = 0; i < budgets.length; i++) {
                stores.add(KvStore.open(new MemoryStorageProvider().create(StorageConfig.of(dir.resolve("s" + i)),
                        new StorageContext("test")), Failpoints.NONE, budgets[i]));
            }
            Random rnd = new Random(w.seed());
            long index = 0;
            for (int b = 0; b < w.batches(); b++) {
                List<Consumer<Transcript>> entries = new ArrayList<>();
                int n = 1 + rnd.nextInt(4);
                for (int e = 0; e < n; e++) {
                    entries.add(randomOp(rnd, w.seed()));
                }
                index++;
                List<String> answers = new ArrayList<>();
                for (KvStore s : stores) {
                    answers.add(apply(s, index, entries));
                }
                assertThat(answers).as("batch " + b).allMatch(a -> a.equals(answers.get(0)));
            }
        } finally {
            stores.forEach(KvStore::close);
        }
    }

    /** What one transaction answered, in order. */
    private record Transcript(KvStoreTxn txn, StringBuilder out) {
        void run(String what, Runnable op) {
            try {
                op.run();
            } catch (EtcdException e) {
                out.append(what).append(" -> ").append(e.getMessage()).append('\n');
            }
        }
    }

    private static Consumer<Transcript> randomOp(Random rnd, long seed) {
        String k = "k" + rnd.nextInt(seed == 1 ? 3 : 8);
        int kind = rnd.nextInt(seed == 2 ? 10 : 7);
        boolean prevKv = rnd.nextBoolean();
        boolean ignoreValue = rnd.nextInt(6) == 0;
        boolean ignoreLease = rnd.nextInt(6) == 0;
        long lease = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(3) : 0;
        String v = "v" + rnd.nextInt(1000);
        return t -> {
            switch (kind) {
                case 0, 1, 2, 3 -> t.run("put " + k, () -> t.out.append(t.txn.put(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(k)).setValue(ignoreValue ? ByteString.EMPTY : ByteString.copyFromUtf8(v))
                        .setPrevKv(prevKv).setIgnoreValue(ignoreValue).setIgnoreLease(ignoreLease)
                        .setLease(ignoreLease ? 0 : lease).build()).build()).append('\n'));
                case 4 -> t.run("delete " + k, () -> t.out.append(t.txn.deleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8(k)).setPrevKv(prevKv).build()).build()).append('\n'));
                case 5 -> t.run("delete range", () -> t.out.append(t.txn.deleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("k2")).setRangeEnd(ByteString.copyFromUtf8("k5")).build())
                        .build()).append('\n'));
                case 6 -> t.run("get " + k, () -> t.out.append(t.txn.get(k.getBytes())).append('\n'));
                case 7 -> t.run("grant " + lease, () -> t.txn.grantLease(lease == 0 ? 1 : lease, 30));
                case 8 -> t.run("revoke " + lease, () -> t.txn.revokeLease(lease == 0 ? 1 : lease));
                default -> t.run("compact", () -> t.txn.compact(Math.max(1, t.txn.revision() - 5)));
            }
        };
    }

    private static String apply(KvStore store, long index, List<Consumer<Transcript>> entries) {
        KvStoreTxn txn = store.beginWrite();
        Transcript t = new Transcript(txn, new StringBuilder());
        for (Consumer<Transcript> e : entries) {
            txn.beginEntry();
            e.accept(t);
            t.out.append("at ").append(txn.endEntry()).append('\n');
        }
        txn.commit(index);
        for (KvChange c : txn.changes()) {
            t.out.append("event ").append(c.toEvent(true)).append('\n');
        }
        t.out.append(store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("\0"))
                .setRangeEnd(ByteString.copyFromUtf8("\0")).build()).build());
        return t.out.toString();
    }
}
