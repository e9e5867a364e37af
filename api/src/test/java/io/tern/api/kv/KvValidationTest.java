package io.tern.api.kv;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class KvValidationTest {

    record Case(String name, TxnRequest txn, EtcdError expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static RequestOp put(String k) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k))).build();
    }

    static RequestOp del(String k, String end) {
        return RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(k)).setRangeEnd(ByteString.copyFromUtf8(end))).build();
    }

    static RequestOp txn(List<RequestOp> then, List<RequestOp> otherwise) {
        return RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addAllSuccess(then).addAllFailure(otherwise)).build();
    }

    static List<Case> cases() {
        return List.of(
                new Case("distinct puts", TxnRequest.newBuilder().addSuccess(put("a")).addSuccess(put("b")).build(), null),
                new Case("128 ops", TxnRequest.newBuilder().addAllSuccess(IntStream.range(0, 128).mapToObj(i -> put("k" + i)).toList()).build(), null),
                new Case("129 ops", TxnRequest.newBuilder().addAllSuccess(IntStream.range(0, 129).mapToObj(i -> put("k" + i)).toList()).build(), EtcdError.TOO_MANY_OPS),
                new Case("same put twice", TxnRequest.newBuilder().addSuccess(put("a")).addSuccess(put("a")).build(), EtcdError.DUPLICATE_KEY),
                new Case("same key in success and failure", TxnRequest.newBuilder().addSuccess(put("a")).addFailure(put("a")).build(), null),
                new Case("put inside a deleted range", TxnRequest.newBuilder().addSuccess(del("a", "c")).addSuccess(put("b")).build(), EtcdError.DUPLICATE_KEY),
                new Case("put at a deleted range's end", TxnRequest.newBuilder().addSuccess(del("a", "c")).addSuccess(put("c")).build(), null),
                new Case("overlapping deletes", TxnRequest.newBuilder().addSuccess(del("a", "c")).addSuccess(del("b", "d")).build(), null),
                new Case("nested then/else may share a key", TxnRequest.newBuilder().addSuccess(txn(List.of(put("x")), List.of(put("x")))).build(), null),
                new Case("nested put clashes with outer put", TxnRequest.newBuilder().addSuccess(put("x")).addSuccess(txn(List.of(put("x")), List.of())).build(), EtcdError.DUPLICATE_KEY),
                new Case("nested else clashes with outer put", TxnRequest.newBuilder().addSuccess(put("x")).addSuccess(txn(List.of(), List.of(put("x")))).build(), EtcdError.DUPLICATE_KEY),
                new Case("nested delete covers outer put", TxnRequest.newBuilder().addSuccess(put("m")).addSuccess(txn(List.of(del("a", "z")), List.of())).build(), EtcdError.DUPLICATE_KEY),
                new Case("empty op", TxnRequest.newBuilder().addSuccess(RequestOp.getDefaultInstance()).build(), EtcdError.KEY_NOT_FOUND),
                new Case("put with empty key", TxnRequest.newBuilder().addSuccess(put("")).build(), EtcdError.EMPTY_KEY));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void checksTxnsAsEtcdDoes(Case c) {
        KvValidation v = new KvValidation(128);
        EtcdException e = catchThrowableOfType(EtcdException.class, () -> v.checkTxn(c.txn()));
        if (c.expected() == null) {
            assertThat(e).isNull();
        } else {
            assertThat(e).isNotNull();
            assertThat(e.error()).isEqualTo(c.expected());
        }
    }
}
