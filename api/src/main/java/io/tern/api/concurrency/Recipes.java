package io.tern.api.concurrency;

import com.google.protobuf.ByteString;
import io.tern.api.kv.KvService;
import io.tern.api.lease.LeaseService;
import io.tern.api.proto.etcdserverpb.Compare;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.TxnResponse;
import io.tern.api.proto.etcdserverpb.LeaseGrantRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.etcdserverpb.WatchRequest;
import io.tern.api.proto.etcdserverpb.WatchResponse;
import io.tern.api.proto.mvccpb.Event;
import io.tern.api.watch.WatchHub;
import io.tern.api.watch.WatchStream;
import io.tern.spi.storage.Bytes;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The building blocks etcd's lock and election recipes share, run in-process against the KV, Lease and
 * Watch services. Calls block: they run on the RPC's own virtual thread. Each wait gives up with a
 * {@link CancellationException} soon after {@code cancelled} turns true.
 */
final class Recipes {
    /** etcd's session TTL when the request names no lease. */
    static final long DEFAULT_SESSION_TTL = 60;
    private static final long POLL_MILLIS = 100;

    private final KvService kv;
    private final LeaseService leases;
    private final WatchHub watches;

    Recipes(KvService kv, LeaseService leases, WatchHub watches) {
        this.kv = kv;
        this.leases = leases;
        this.watches = watches;
    }

    KvService kv() {
        return kv;
    }

    /** The request's lease, or a fresh one of {@link #DEFAULT_SESSION_TTL} seconds when it names none. */
    long sessionLease(long lease) {
        if (lease != 0) {
            return lease;
        }
        return await(leases.grant(LeaseGrantRequest.newBuilder().setTTL(DEFAULT_SESSION_TTL).build())).getID();
    }

    /** {@code name + "/" + hex(lease)}: a session's key under a lock or election name. */
    static ByteString sessionKey(ByteString name, long lease) {
        return name.concat(ByteString.copyFromUtf8("/" + Long.toHexString(lease)));
    }

    static ByteString prefix(ByteString name) {
        return name.concat(ByteString.copyFromUtf8("/"));
    }

    /** The end of the prefix range starting at {@code prefix}, as etcd's clients send it ("\0": no end). */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = Bytes.prefixEnd(prefix.toByteArray());
        return end == null ? ByteString.copyFrom(new byte[] {0}) : ByteString.copyFrom(end);
    }

    /**
     * etcd's session claim: one txn that puts {@code key} (with {@code value} and {@code lease}) when it
     * does not exist, or else reads it (response 0), and in both cases then runs {@code reads}
     * (responses 1..). The caller's revision is the txn's when it succeeded, else the key's create revision.
     */
    TxnResponse claim(ByteString key, long lease, ByteString value, RequestOp... reads) {
        TxnRequest.Builder t = TxnRequest.newBuilder()
                .addCompare(createRevisionIs(key, 0))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(key).setValue(value).setLease(lease)))
                .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)));
        for (RequestOp r : reads) {
            t.addSuccess(r).addFailure(r);
        }
        return await(kv.txn(t.build()));
    }

    /** The revision that orders a claim among its rivals: see {@link #claim}. */
    static long claimRevision(TxnResponse t) {
        return t.getSucceeded() ? t.getHeader().getRevision()
                : t.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
    }

    static Compare createRevisionIs(ByteString key, long rev) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(rev).build();
    }

    /** The oldest-created key under {@code prefix} (the owner or leader), as a range request. */
    static RangeRequest firstCreated(ByteString prefix) {
        return RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix)).setLimit(1)
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.ASCEND).build();
    }

    /**
     * Waits until every key under {@code prefix} created at or before {@code maxCreateRev} is gone:
     * repeatedly takes the newest such key and waits for its deletion. Returns the header of the final,
     * empty read.
     */
    ResponseHeader waitDeletes(ByteString prefix, long maxCreateRev, BooleanSupplier cancelled) {
        while (true) {
            RangeResponse r = await(kv.range(RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                    .setLimit(1).setMaxCreateRevision(maxCreateRev)
                    .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND).build()));
            if (r.getKvsCount() == 0) {
                return r.getHeader();
            }
            waitEvent(WatchCreateRequest.newBuilder().setKey(r.getKvs(0).getKey())
                    .setStartRevision(r.getHeader().getRevision())
                    .addFilters(WatchCreateRequest.FilterType.NOPUT).build(), cancelled);
        }
    }

    /**
     * Waits for the first event of a watch and returns it; null when the watch was cancelled by the
     * server (its revision compacted), in which case the caller re-reads.
     */
    Event waitEvent(WatchCreateRequest watch, BooleanSupplier cancelled) {
        BlockingQueue<WatchResponse> inbox = new LinkedBlockingQueue<>();
        WatchStream stream = watches.open(inbox::add);
        try {
            stream.handle(WatchRequest.newBuilder().setCreateRequest(watch).build());
            while (true) {
                WatchResponse resp = inbox.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (cancelled.getAsBoolean()) {
                    throw new CancellationException("the client went away");
                }
                if (resp == null) {
                    continue;
                }
                if (resp.getCanceled()) {
                    return null;
                }
                if (resp.getEventsCount() > 0) {
                    return resp.getEvents(0);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        } finally {
            stream.close();
        }
    }

    /** The value of a service future, or its etcd error thrown as is. */
    static <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted");
        }
    }

    /** Best effort: the caller is already failing or leaving; a failure here must not hide that. */
    void deleteQuietly(ByteString key) {
        try {
            await(kv.deleteRange(io.tern.api.proto.etcdserverpb.DeleteRangeRequest.newBuilder().setKey(key).build()));
        } catch (RuntimeException ignored) {
            // the key goes with its lease at the latest
        }
    }
}
