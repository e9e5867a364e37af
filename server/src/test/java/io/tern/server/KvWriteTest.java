package io.tern.server;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/** Put, DeleteRange and Txn semantics through jetcd (and raw gRPC where jetcd lacks a field), on every engine. */
class KvWriteTest extends PerEngineTest {
    private final AtomicInteger unique = new AtomicInteger();

    /** A fresh key prefix per test, so tests sharing a server do not see each other's keys. */
    private String ns() {
        return "t" + unique.incrementAndGet() + "/";
    }

    @ParameterizedTest
    @MethodSource("engines")
    void putReturnsPreviousValueAndBumpsVersion(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String k = ns() + "k";
        var first = kv.put(bs(k), bs("v1"), PutOption.builder().withPrevKV().build()).get();
        assertThat(first.hasPrevKv()).isFalse();
        var second = kv.put(bs(k), bs("v2"), PutOption.builder().withPrevKV().build()).get();
        assertThat(second.hasPrevKv()).isTrue();
        assertThat(str(second.getPrevKv().getValue())).isEqualTo("v1");
        assertThat(second.getHeader().getRevision()).isEqualTo(first.getHeader().getRevision() + 1);
        var got = kv.get(bs(k)).get().getKvs().get(0);
        assertThat(got.getVersion()).isEqualTo(2);
        assertThat(got.getCreateRevision()).isEqualTo(first.getHeader().getRevision());
        assertThat(got.getModRevision()).isEqualTo(second.getHeader().getRevision());
    }

    @ParameterizedTest
    @MethodSource("engines")
    void putAfterDeleteStartsANewGeneration(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String k = ns() + "k";
        kv.put(bs(k), bs("v1")).get();
        kv.put(bs(k), bs("v2")).get();
        kv.delete(bs(k)).get();
        long rev = kv.put(bs(k), bs("v3")).get().getHeader().getRevision();
        var got = kv.get(bs(k)).get().getKvs().get(0);
        assertThat(got.getVersion()).isEqualTo(1);
        assertThat(got.getCreateRevision()).isEqualTo(rev);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void ignoreValueAndIgnoreLeaseKeepTheStoredOnes(String engine) {
        String k = ns() + "k";
        try (RawClient raw = new RawClient(servers.server(engine))) {
            raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                    .setValue(ByteString.copyFromUtf8("kept")).setLease(0).build());
            var resp = raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                    .setIgnoreValue(true).setPrevKv(true).build());
            assertThat(resp.getPrevKv().getValue().toStringUtf8()).isEqualTo("kept");
            raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))
                    .setValue(ByteString.copyFromUtf8("new")).setIgnoreLease(true).build());
            var got = raw.kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)).build());
            assertThat(got.getKvs(0).getValue().toStringUtf8()).isEqualTo("new");
            assertThat(got.getKvs(0).getVersion()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void deleteRangeReturnsCountAndPreviousValues(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String p = ns();
        for (String s : List.of("a", "b", "c")) {
            kv.put(bs(p + s), bs("v" + s)).get();
        }
        var single = kv.delete(bs(p + "zz")).get();
        assertThat(single.getDeleted()).isZero();
        long before = kv.get(bs(p + "a")).get().getHeader().getRevision();
        var del = kv.delete(bs(p + "a"), DeleteOption.builder().withRange(bs(p + "c")).withPrevKV(true).build()).get();
        assertThat(del.getDeleted()).isEqualTo(2);
        assertThat(del.getPrevKvs()).extracting(x -> str(x.getValue())).containsExactly("va", "vb");
        assertThat(del.getHeader().getRevision()).as("one revision for the whole delete").isEqualTo(before + 1);
        assertThat(kv.get(bs(p), GetOption.builder().isPrefix(true).build()).get().getKvs())
                .extracting(x -> str(x.getKey())).containsExactly(p + "c");
        assertThat(kv.get(bs(p + "a"), GetOption.builder().withRevision(before).build()).get().getKvs()).hasSize(1);
    }

    record TxnCase(String name, Cmp cmp, boolean succeeded) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Compares against key {@code k} = "v" (version 1, lease 0) and a key that does not exist. */
    static List<TxnCase> compares(String k, String missing, long modRev) {
        return List.of(
                new TxnCase("value equal", new Cmp(bs(k), Cmp.Op.EQUAL, CmpTarget.value(bs("v"))), true),
                new TxnCase("value not equal", new Cmp(bs(k), Cmp.Op.NOT_EQUAL, CmpTarget.value(bs("v"))), false),
                new TxnCase("value greater", new Cmp(bs(k), Cmp.Op.GREATER, CmpTarget.value(bs("a"))), true),
                new TxnCase("value less", new Cmp(bs(k), Cmp.Op.LESS, CmpTarget.value(bs("a"))), false),
                new TxnCase("version equal 1", new Cmp(bs(k), Cmp.Op.EQUAL, CmpTarget.version(1)), true),
                new TxnCase("mod revision equal", new Cmp(bs(k), Cmp.Op.EQUAL, CmpTarget.modRevision(modRev)), true),
                new TxnCase("create revision less", new Cmp(bs(k), Cmp.Op.LESS, CmpTarget.createRevision(modRev)), false),
                new TxnCase("missing key has version 0", new Cmp(bs(missing), Cmp.Op.EQUAL, CmpTarget.version(0)), true),
                new TxnCase("missing key create revision 0", new Cmp(bs(missing), Cmp.Op.EQUAL, CmpTarget.createRevision(0)), true),
                new TxnCase("missing key value never matches",
                        new Cmp(bs(missing), Cmp.Op.NOT_EQUAL, CmpTarget.value(bs("x"))), false));
    }

    static Stream<Arguments> engineCompares() {
        return engines().flatMap(e -> compares("K", "M", 0).stream().map(c -> Arguments.of(e, c.name())));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("engineCompares")
    void compareDecidesTheBranch(String engine, String caseName) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String k = ns() + "k";
        long rev = kv.put(bs(k), bs("v")).get().getHeader().getRevision();
        TxnCase c = compares(k, k + "-missing", rev).stream().filter(x -> x.name().equals(caseName)).findFirst().orElseThrow();
        TxnResponse r = kv.txn().If(c.cmp())
                .Then(Op.put(bs(k + "-then"), bs("1"), PutOption.DEFAULT))
                .Else(Op.put(bs(k + "-else"), bs("1"), PutOption.DEFAULT)).commit().get();
        assertThat(r.isSucceeded()).isEqualTo(c.succeeded());
        String written = c.succeeded() ? "-then" : "-else";
        assertThat(kv.get(bs(k + written)).get().getCount()).isEqualTo(1);
        assertThat(r.getHeader().getRevision()).isEqualTo(rev + 1);
    }

    @ParameterizedTest
    @MethodSource("engines")
    void compareOverARangeNeedsEveryKeyAndLeaseCompares(String engine) {
        String p = ns();
        try (RawClient raw = new RawClient(servers.server(engine))) {
            raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(p + "a")).build());
            raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(p + "b")).build());
            raw.kv().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(p + "b")).build());
            ByteString from = ByteString.copyFromUtf8(p);
            ByteString end = ByteString.copyFromUtf8(p.substring(0, p.length() - 1) + "0");
            Compare allVersion1 = Compare.newBuilder().setKey(from).setRangeEnd(end)
                    .setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL).setVersion(1).build();
            assertThat(raw.kv().txn(TxnRequest.newBuilder().addCompare(allVersion1).build()).getSucceeded()).isFalse();
            Compare allExist = Compare.newBuilder().setKey(from).setRangeEnd(end)
                    .setTarget(Compare.CompareTarget.CREATE).setResult(Compare.CompareResult.GREATER).setCreateRevision(0).build();
            assertThat(raw.kv().txn(TxnRequest.newBuilder().addCompare(allExist).build()).getSucceeded()).isTrue();
            Compare noLease = Compare.newBuilder().setKey(ByteString.copyFromUtf8(p + "a"))
                    .setTarget(Compare.CompareTarget.LEASE).setResult(Compare.CompareResult.EQUAL).setLease(0).build();
            assertThat(raw.kv().txn(TxnRequest.newBuilder().addCompare(noLease).build()).getSucceeded()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("engines")
    void txnOpsSeeEarlierOpsAndShareOneRevision(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String p = ns();
        kv.put(bs(p + "old"), bs("o")).get();
        long before = kv.get(bs(p + "old")).get().getHeader().getRevision();
        TxnResponse r = kv.txn()
                .Then(Op.put(bs(p + "a"), bs("1"), PutOption.DEFAULT),
                        Op.get(bs(p), GetOption.builder().isPrefix(true).build()),
                        Op.delete(bs(p + "old"), DeleteOption.DEFAULT),
                        Op.put(bs(p + "b"), bs("2"), PutOption.DEFAULT))
                .commit().get();
        assertThat(r.isSucceeded()).isTrue();
        assertThat(r.getHeader().getRevision()).isEqualTo(before + 1);
        assertThat(r.getGetResponses().get(0).getKvs()).extracting(x -> str(x.getKey()))
                .containsExactly(p + "a", p + "old");
        assertThat(r.getDeleteResponses().get(0).getDeleted()).isEqualTo(1);
        var a = kv.get(bs(p + "a")).get().getKvs().get(0);
        var b = kv.get(bs(p + "b")).get().getKvs().get(0);
        assertThat(a.getModRevision()).isEqualTo(before + 1).isEqualTo(b.getModRevision());
    }

    @ParameterizedTest
    @MethodSource("engines")
    void overlappingDeletesInOneTxnDeleteEachKeyOnce(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String p = ns();
        for (String s : List.of("a", "b", "c")) {
            kv.put(bs(p + s), bs("v" + s)).get();
        }
        TxnResponse r = kv.txn().Then(
                Op.delete(bs(p + "a"), DeleteOption.builder().withRange(bs(p + "c")).withPrevKV(true).build()),
                Op.delete(bs(p + "b"), DeleteOption.builder().withRange(bs(p + "d")).withPrevKV(true).build()))
                .commit().get();
        assertThat(r.getDeleteResponses()).extracting(d -> d.getDeleted()).containsExactly(2L, 1L);
        assertThat(r.getDeleteResponses().get(1).getPrevKvs()).extracting(x -> str(x.getKey())).containsExactly(p + "c");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void nestedTxnFollowsItsOwnCompare(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String p = ns();
        kv.put(bs(p + "x"), bs("1")).get();
        Op nested = Op.txn(new Cmp[] {new Cmp(bs(p + "x"), Cmp.Op.EQUAL, CmpTarget.value(bs("2")))},
                new Op[] {Op.put(bs(p + "inner"), bs("then"), PutOption.DEFAULT)},
                new Op[] {Op.put(bs(p + "inner"), bs("else"), PutOption.DEFAULT)});
        TxnResponse r = kv.txn().If(new Cmp(bs(p + "x"), Cmp.Op.EQUAL, CmpTarget.value(bs("1"))))
                .Then(Op.put(bs(p + "x"), bs("2"), PutOption.DEFAULT), nested).commit().get();
        assertThat(r.isSucceeded()).isTrue();
        assertThat(r.getTxnResponses().get(0).isSucceeded())
                .as("nested compares see the state before the txn").isFalse();
        assertThat(str(kv.get(bs(p + "inner")).get().getKvs().get(0).getValue())).isEqualTo("else");
    }

    @ParameterizedTest
    @MethodSource("engines")
    void readOnlyTxnDoesNotAdvanceTheRevision(String engine) throws Exception {
        KV kv = servers.client(engine).getKVClient();
        String p = ns();
        long rev = kv.put(bs(p + "r"), bs("1")).get().getHeader().getRevision();
        TxnResponse r = kv.txn().If(new Cmp(bs(p + "r"), Cmp.Op.EQUAL, CmpTarget.value(bs("1"))))
                .Then(Op.get(bs(p + "r"), GetOption.DEFAULT)).commit().get();
        assertThat(r.isSucceeded()).isTrue();
        assertThat(r.getHeader().getRevision()).isEqualTo(rev);
        assertThat(str(r.getGetResponses().get(0).getKvs().get(0).getValue())).isEqualTo("1");
        TxnResponse failedWrite = kv.txn().If(new Cmp(bs(p + "r"), Cmp.Op.EQUAL, CmpTarget.value(bs("9"))))
                .Then(Op.put(bs(p + "r"), bs("2"), PutOption.DEFAULT)).commit().get();
        assertThat(failedWrite.isSucceeded()).isFalse();
        assertThat(failedWrite.getHeader().getRevision()).as("no write, no new revision").isEqualTo(rev);
    }
}
