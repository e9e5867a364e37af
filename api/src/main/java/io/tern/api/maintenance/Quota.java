package io.tern.api.maintenance;

import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmType;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * etcd's backend quota ({@code --quota-backend-bytes}): a request that would grow the store past the quota
 * is refused with {@code etcdserver: mvcc: database space exceeded}, and this member's NOSPACE alarm is
 * raised, after which every member refuses such requests until the alarm is disarmed.
 *
 * <p>Costs are etcd's estimates: 256 bytes plus key and value per put, the dearer branch of a txn
 * (nested txns included), 64 bytes per lease grant; requests that cost nothing always pass.
 */
public final class Quota {
    /** etcd's default quota, 2 GiB, used when the flag is 0. */
    public static final long DEFAULT_BYTES = 2L * 1024 * 1024 * 1024;
    private static final int KV_OVERHEAD = 256;
    private static final int LEASE_OVERHEAD = 64;
    private static final long SIZE_READ_INTERVAL_NANOS = 100_000_000L;

    private final long limitBytes;
    private final LongSupplier usedBytes;
    private final Function<AlarmRequest, CompletableFuture<?>> raise;
    private final LongSupplier memberId;
    private final Alarms alarms;
    /** One raise at a time: a burst of refused requests proposes one alarm, not one each. */
    private final AtomicBoolean raising = new AtomicBoolean();
    /** The size read last and when (nanoTime); reading it may take the engine's lock, so not per request. */
    private volatile long usedCache;
    private volatile long usedReadAt;

    /**
     * @param flagBytes {@code --quota-backend-bytes}: 0 for etcd's default, below 0 for no quota
     * @param usedBytes the store's size on disk now
     * @param raise     proposes an alarm request; a refusal does not wait for it
     * @param memberId  this member's id
     * @param alarms    the raised alarms: NOSPACE is not raised again while it is
     */
    public Quota(long flagBytes, LongSupplier usedBytes, Function<AlarmRequest, CompletableFuture<?>> raise,
                 LongSupplier memberId, Alarms alarms) {
        this.limitBytes = flagBytes == 0 ? DEFAULT_BYTES : flagBytes;
        this.usedBytes = usedBytes;
        this.raise = raise;
        this.memberId = memberId;
        this.alarms = alarms;
    }

    /** The quota in bytes; below 0 when there is none. */
    public long limitBytes() {
        return limitBytes;
    }

    public void check(PutRequest r) {
        check(costPut(r));
    }

    public void check(TxnRequest r) {
        check(costTxn(r));
    }

    public void checkLeaseGrant() {
        check(LEASE_OVERHEAD);
    }

    private void check(long cost) {
        if (cost == 0 || limitBytes < 0 || used(false) + cost < limitBytes) {
            return;
        }
        // A refusal raises the alarm: it is decided on a fresh reading, never on one that may predate a
        // compaction and defragmentation.
        if (used(true) + cost < limitBytes) {
            return;
        }
        long self = memberId.getAsLong();
        boolean raised = alarms.list(AlarmType.NOSPACE).stream().anyMatch(a -> a.getMemberID() == self);
        if (!raised && raising.compareAndSet(false, true)) {
            try {
                raise.apply(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE)
                        .setMemberID(self).setAlarm(AlarmType.NOSPACE).build())
                        .whenComplete((r, t) -> raising.set(false));
            } catch (RuntimeException e) {
                raising.set(false);
                throw e;
            }
        }
        throw EtcdError.NO_SPACE.exception();
    }

    /** The store's size, read again when asked to or when the last reading is older than {@link #SIZE_READ_INTERVAL_NANOS}. */
    private long used(boolean fresh) {
        long now = System.nanoTime();
        if (fresh || usedReadAt == 0 || now - usedReadAt > SIZE_READ_INTERVAL_NANOS) {
            usedCache = usedBytes.getAsLong();
            usedReadAt = now;
        }
        return usedCache;
    }

    static long costPut(PutRequest r) {
        return KV_OVERHEAD + r.getKey().size() + r.getValue().size();
    }

    static long costTxn(TxnRequest r) {
        return Math.max(costOps(r.getSuccessList()), costOps(r.getFailureList()));
    }

    private static long costOps(List<RequestOp> ops) {
        long cost = 0;
        for (RequestOp op : ops) {
            if (op.hasRequestPut()) {
                cost += costPut(op.getRequestPut());
            } else if (op.hasRequestTxn()) {
                cost += costTxn(op.getRequestTxn());
            }
        }
        return cost;
    }

    /** True when the txn puts in some branch (nested txns included): refused while NOSPACE is raised. */
    public static boolean puts(TxnRequest r) {
        return costTxn(r) > 0;
    }
}
