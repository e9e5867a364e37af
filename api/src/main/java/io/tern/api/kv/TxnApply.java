package io.tern.api.kv;

import com.google.protobuf.ByteString;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.ResponseOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.TxnResponse;
import io.tern.api.proto.mvccpb.KeyValue;

import java.util.ArrayList;
import java.util.List;

/**
 * etcd's Txn on the apply thread, in three steps: every compare of the chosen path is evaluated against
 * the state before the txn (nested txns included); the chosen path's operations are checked (a put with
 * ignore_value needs its key, a range's revision must be readable); then the operations run in order,
 * each seeing the writes before it.
 */
public final class TxnApply {
    private TxnApply() {
    }

    /** Applies {@code r}; the response header carries only the revision. */
    public static TxnResponse.Builder apply(KvStoreTxn txn, TxnRequest r) {
        List<Boolean> path = new ArrayList<>();
        choosePath(txn, r, path);
        check(txn, r, path, new int[] {0});
        TxnResponse.Builder out = TxnResponse.newBuilder();
        execute(txn, r, path, new int[] {0}, out);
        return out;
    }

    private static void choosePath(KvStoreTxn txn, TxnRequest r, List<Boolean> path) {
        boolean ok = true;
        for (Compare c : r.getCompareList()) {
            if (!holds(txn, c)) {
                ok = false;
                break;
            }
        }
        path.add(ok);
        for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
            if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_TXN) {
                choosePath(txn, op.getRequestTxn(), path);
            }
        }
    }

    private static void check(KvStoreTxn txn, TxnRequest r, List<Boolean> path, int[] at) {
        boolean ok = path.get(at[0]++);
        for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
            switch (op.getRequestCase()) {
                case REQUEST_PUT -> txn.checkPut(op.getRequestPut());
                case REQUEST_RANGE -> txn.checkRange(op.getRequestRange());
                case REQUEST_TXN -> check(txn, op.getRequestTxn(), path, at);
                default -> { }
            }
        }
    }

    private static void execute(KvStoreTxn txn, TxnRequest r, List<Boolean> path, int[] at, TxnResponse.Builder out) {
        boolean ok = path.get(at[0]++);
        out.setSucceeded(ok);
        for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
            ResponseOp.Builder resp = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                case REQUEST_RANGE -> resp.setResponseRange(txn.range(op.getRequestRange()));
                case REQUEST_PUT -> resp.setResponsePut(txn.put(op.getRequestPut()).setHeader(header(txn)));
                case REQUEST_DELETE_RANGE ->
                        resp.setResponseDeleteRange(txn.deleteRange(op.getRequestDeleteRange()).setHeader(header(txn)));
                case REQUEST_TXN -> {
                    TxnResponse.Builder nested = TxnResponse.newBuilder();
                    execute(txn, op.getRequestTxn(), path, at, nested);
                    resp.setResponseTxn(nested.setHeader(header(txn)));
                }
                case REQUEST_NOT_SET -> throw new IllegalStateException("empty txn operation passed validation");
            }
            out.addResponses(resp);
        }
    }

    private static ResponseHeader header(KvStoreTxn txn) {
        return ResponseHeader.newBuilder().setRevision(txn.revision() + (txn.entryChanged() ? 1 : 0)).build();
    }

    /** One compare over its key or range: every key must satisfy it; no key compares as etcd's zero value. */
    private static boolean holds(KvStoreTxn txn, Compare c) {
        RangeResponse.Builder rr = txn.range(RangeRequest.newBuilder()
                .setKey(c.getKey()).setRangeEnd(c.getRangeEnd()).build());
        if (rr.getKvsCount() == 0) {
            return c.getTarget() != Compare.CompareTarget.VALUE && matches(c, KeyValue.getDefaultInstance());
        }
        for (KeyValue kv : rr.getKvsList()) {
            if (!matches(c, kv)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matches(Compare c, KeyValue kv) {
        int result = switch (c.getTarget()) {
            case VALUE -> ByteString.unsignedLexicographicalComparator().compare(kv.getValue(), c.getValue());
            case CREATE -> Long.compare(kv.getCreateRevision(), c.getCreateRevision());
            case MOD -> Long.compare(kv.getModRevision(), c.getModRevision());
            case VERSION -> Long.compare(kv.getVersion(), c.getVersion());
            case LEASE -> Long.compare(kv.getLease(), c.getLease());
            case UNRECOGNIZED -> 0;
        };
        return switch (c.getResult()) {
            case EQUAL -> result == 0;
            case NOT_EQUAL -> result != 0;
            case GREATER -> result > 0;
            case LESS -> result < 0;
            case UNRECOGNIZED -> true;
        };
    }
}
