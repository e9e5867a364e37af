package io.tern.api.maintenance;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuotaTest {
    record Cost(String name, TxnRequest txn, long cost) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static RequestOp put(String key, int valueBytes) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                .setValue(ByteString.copyFrom(new byte[valueBytes]))).build();
    }

    static List<Cost> costs() {
        RequestOp range = RequestOp.newBuilder().setRequestRange(io.tern.api.proto.etcdserverpb.RangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("k"))).build();
        return List.of(
                new Cost("reads only", TxnRequest.newBuilder().addSuccess(range).build(), 0),
                new Cost("one put", TxnRequest.newBuilder().addSuccess(put("ab", 10)).build(), 256 + 2 + 10),
                new Cost("the dearer branch", TxnRequest.newBuilder().addSuccess(put("a", 1))
                        .addFailure(put("b", 100)).addFailure(put("c", 0)).build(), (256 + 1 + 100) + (256 + 1)),
                new Cost("a nested txn's puts count", TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder()
                        .setRequestTxn(TxnRequest.newBuilder().addSuccess(put("n", 4)))).build(), 256 + 1 + 4));
    }

    @ParameterizedTest
    @MethodSource("costs")
    void txnCostsAreEtcds(Cost c) {
        assertThat(Quota.costTxn(c.txn())).isEqualTo(c.cost());
        assertThat(Quota.puts(c.txn())).isEqualTo(c.cost() > 0);
    }

    private static final PutRequest SMALL = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build();

    @Test
    void overTheQuotaARequestIsRefusedAndOneRaiseIsInFlightAtATime() {
        List<AlarmRequest> raised = new ArrayList<>();
        List<CompletableFuture<Object>> proposals = new ArrayList<>();
        Quota quota = new Quota(1000, () -> 900, r -> {
            raised.add(r);
            CompletableFuture<Object> f = new CompletableFuture<>();
            proposals.add(f);
            return f;
        }, () -> 7, new Alarms());

        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> quota.check(SMALL)).isInstanceOf(EtcdException.class)
                    .hasMessage("etcdserver: mvcc: database space exceeded");
        }
        assertThat(raised).as("one raise while the first is in flight").hasSize(1);
        assertThat(raised.get(0).getMemberID()).isEqualTo(7);
        assertThat(raised.get(0).getAction()).isEqualTo(AlarmRequest.AlarmAction.ACTIVATE);
        proposals.get(0).complete(null);
        assertThatThrownBy(() -> quota.check(SMALL)).isInstanceOf(EtcdException.class);
        assertThat(raised).as("raised again: the alarm did not show up").hasSize(2);
    }

    /** Regression: a reading from before a compaction and defragmentation refused a put, raising NOSPACE anew. */
    @Test
    void aRefusalIsDecidedOnAFreshReading() {
        AtomicLong size = new AtomicLong(5000);
        Quota quota = new Quota(1000, size::get, r -> new CompletableFuture<>(), () -> 7, new Alarms());
        assertThatThrownBy(() -> quota.check(SMALL)).isInstanceOf(EtcdException.class);
        size.set(100);
        quota.check(SMALL);
    }

    @Test
    void zeroMeansEtcdsDefaultAndBelowZeroNoQuota() {
        assertThat(new Quota(0, () -> 0, r -> null, () -> 1, new Alarms()).limitBytes()).isEqualTo(2L << 30);
        Quota none = new Quota(-1, () -> Long.MAX_VALUE / 2, r -> {
            throw new AssertionError("raised");
        }, () -> 1, new Alarms());
        none.check(SMALL);
        none.checkLeaseGrant();
    }
}
