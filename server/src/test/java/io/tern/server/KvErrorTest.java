package io.tern.server;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Bad requests get etcd's exact gRPC code and message, and the member keeps serving, on every engine. */
class KvErrorTest extends PerEngineTest {
    record Case(String name, Consumer<RawClient> call, Status.Code code, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static RequestOp put(String k) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b("v"))).build();
    }

    static List<Case> cases() {
        return List.of(
                new Case("range with empty key", c -> c.kv().range(RangeRequest.newBuilder().build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
                new Case("put with empty key", c -> c.kv().put(PutRequest.newBuilder().setValue(b("v")).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
                new Case("delete with empty key", c -> c.kv().deleteRange(DeleteRangeRequest.newBuilder().build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
                new Case("ignore_value with a value", c -> c.kv().put(PutRequest.newBuilder().setKey(b("k"))
                        .setValue(b("v")).setIgnoreValue(true).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided"),
                new Case("ignore_lease with a lease", c -> c.kv().put(PutRequest.newBuilder().setKey(b("k"))
                        .setLease(7).setIgnoreLease(true).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided"),
                new Case("ignore_value on a missing key", c -> c.kv().put(PutRequest.newBuilder().setKey(b("missing"))
                        .setIgnoreValue(true).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
                new Case("ignore_lease on a missing key", c -> c.kv().put(PutRequest.newBuilder().setKey(b("missing"))
                        .setValue(b("v")).setIgnoreLease(true).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
                new Case("future revision", c -> c.kv().range(RangeRequest.newBuilder().setKey(b("k")).setRevision(1_000_000).build()),
                        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
                new Case("129 ops in a txn", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addAllSuccess(IntStream.range(0, 129).mapToObj(i -> put("k" + i)).toList()).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
                new Case("129 compares in a txn", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addAllCompare(IntStream.range(0, 129).mapToObj(i -> Compare.newBuilder().setKey(b("k" + i)).build()).toList()).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
                new Case("same key put twice in a txn", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addSuccess(put("dup")).addSuccess(put("dup")).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
                new Case("put inside a deleted range in a txn", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                                .setKey(b("a")).setRangeEnd(b("z")))).addSuccess(put("m")).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
                new Case("nested txn puts a key the outer one puts", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addSuccess(put("n")).addSuccess(RequestOp.newBuilder().setRequestTxn(
                                TxnRequest.newBuilder().addSuccess(put("n")))).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
                new Case("empty op in a txn", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.getDefaultInstance()).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
                new Case("empty compare key", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addCompare(Compare.newBuilder()).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
                new Case("txn range at a future revision", c -> c.kv().txn(TxnRequest.newBuilder()
                        .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder()
                                .setKey(b("k")).setRevision(1_000_000))).addSuccess(put("tx-future")).build()),
                        Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
                new Case("request over 1.5 MiB", c -> c.kv().put(PutRequest.newBuilder().setKey(b("big"))
                        .setValue(ByteString.copyFrom(new byte[1536 * 1024 + 1])).build()),
                        Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large"));
    }

    static Stream<Arguments> engineCases() {
        return TernHarness.ENGINES.stream().flatMap(e -> cases().stream().map(c -> Arguments.of(e, c)));
    }

    @ParameterizedTest
    @MethodSource("engines")
    void aFrameFarOverTheLimitIsRefusedAndTheMemberKeepsServing(String engine) {
        RawClient client = servers.raw(engine);
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> client.kv().put(
                PutRequest.newBuilder().setKey(b("huge")).setValue(ByteString.copyFrom(new byte[3 * 1024 * 1024])).build()));
        assertThat(e).as("a 3 MiB request fails").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getStatus().getDescription()).startsWith("grpc: received message larger than max (");
        try (RawClient fresh = new RawClient(servers.server(engine))) {
            assertThat(fresh.kv().put(PutRequest.newBuilder().setKey(b("after-huge")).setValue(b("v")).build())
                    .getHeader().getRevision()).isPositive();
        }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("engineCases")
    void answersWithEtcdsError(String engine, Case c) {
        RawClient client = servers.raw(engine);
        long before = client.kv().range(RangeRequest.newBuilder().setKey(b("probe")).build()).getHeader().getRevision();
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> c.call().accept(client));
        assertThat(e).as("an error").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(c.code());
        assertThat(e.getStatus().getDescription()).isEqualTo(c.message());
        long after = client.kv().range(RangeRequest.newBuilder().setKey(b("probe")).build()).getHeader().getRevision();
        assertThat(after).as("a rejected request changes nothing").isEqualTo(before);
    }
}
