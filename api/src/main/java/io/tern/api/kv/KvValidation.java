package io.tern.api.kv;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * etcd's checks on KV requests before they are proposed: empty keys, contradictory put options, the
 * txn operation limit, and the rule that one txn path may not write a key twice.
 */
public final class KvValidation {
    private final int maxTxnOps;

    public KvValidation(int maxTxnOps) {
        this.maxTxnOps = maxTxnOps;
    }

    public static void checkRange(RangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    public static void checkPut(PutRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
        if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
            throw EtcdError.VALUE_PROVIDED.exception();
        }
        if (r.getIgnoreLease() && r.getLease() != 0) {
            throw EtcdError.LEASE_PROVIDED.exception();
        }
    }

    public static void checkDelete(DeleteRangeRequest r) {
        if (r.getKey().isEmpty()) {
            throw EtcdError.EMPTY_KEY.exception();
        }
    }

    /** Every check etcd makes on a txn: sizes, each operation, then duplicate writes per branch. */
    public void checkTxn(TxnRequest r) {
        checkTxnShape(r, maxTxnOps);
        Writes.of(r.getSuccessList());
        Writes.of(r.getFailureList());
    }

    private static void checkTxnShape(TxnRequest r, int budget) {
        int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
        if (ops > budget) {
            throw EtcdError.TOO_MANY_OPS.exception();
        }
        for (Compare c : r.getCompareList()) {
            if (c.getKey().isEmpty()) {
                throw EtcdError.EMPTY_KEY.exception();
            }
        }
        for (RequestOp op : r.getSuccessList()) {
            checkOp(op, budget - ops);
        }
        for (RequestOp op : r.getFailureList()) {
            checkOp(op, budget - ops);
        }
    }

    private static void checkOp(RequestOp op, int budget) {
        switch (op.getRequestCase()) {
            case REQUEST_RANGE -> checkRange(op.getRequestRange());
            case REQUEST_PUT -> checkPut(op.getRequestPut());
            case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
            case REQUEST_TXN -> checkTxnShape(op.getRequestTxn(), budget);
            case REQUEST_NOT_SET -> throw EtcdError.KEY_NOT_FOUND.exception();
        }
    }

    /**
     * The keys one list of operations puts and the ranges it deletes, nested txns included. A key put
     * twice, or put and deleted, on one path is etcd's duplicate-key error; the two branches of a nested
     * txn never both run, so they may put the same key.
     */
    private record Writes(Set<ByteString> puts, List<ByteString[]> deletes) {

        static Writes of(List<RequestOp> ops) {
            Writes w = new Writes(new HashSet<>(), new ArrayList<>());
            for (RequestOp op : ops) {
                if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_DELETE_RANGE) {
                    DeleteRangeRequest d = op.getRequestDeleteRange();
                    w.deletes.add(new ByteString[] {d.getKey(), d.getRangeEnd()});
                }
            }
            for (RequestOp op : ops) {
                if (op.getRequestCase() != RequestOp.RequestCase.REQUEST_TXN) {
                    continue;
                }
                Writes then = of(op.getRequestTxn().getSuccessList());
                Writes otherwise = of(op.getRequestTxn().getFailureList());
                for (ByteString k : then.puts) {
                    w.addPut(k);
                }
                for (ByteString k : otherwise.puts) {
                    if (w.puts.contains(k) && !then.puts.contains(k)) {
                        throw EtcdError.DUPLICATE_KEY.exception();
                    }
                    if (w.deleted(k)) {
                        throw EtcdError.DUPLICATE_KEY.exception();
                    }
                    w.puts.add(k);
                }
                w.deletes.addAll(then.deletes);
                w.deletes.addAll(otherwise.deletes);
            }
            for (RequestOp op : ops) {
                if (op.getRequestCase() == RequestOp.RequestCase.REQUEST_PUT) {
                    w.addPut(op.getRequestPut().getKey());
                }
            }
            return w;
        }

        private void addPut(ByteString k) {
            if (puts.contains(k) || deleted(k)) {
                throw EtcdError.DUPLICATE_KEY.exception();
            }
            puts.add(k);
        }

        private boolean deleted(ByteString k) {
            for (ByteString[] d : deletes) {
                if (covers(d[0], d[1], k)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean covers(ByteString from, ByteString end, ByteString k) {
            var order = ByteString.unsignedLexicographicalComparator();
            if (end.isEmpty()) {
                return from.equals(k);
            }
            if (end.size() == 1 && end.byteAt(0) == 0) {
                return order.compare(k, from) >= 0;
            }
            return order.compare(k, from) >= 0 && order.compare(k, end) < 0;
        }
    }
}
