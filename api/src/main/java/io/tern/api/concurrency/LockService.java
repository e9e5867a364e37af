package io.tern.api.concurrency;

import com.google.protobuf.ByteString;
import io.tern.api.kv.KvService;
import io.tern.api.lease.LeaseService;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.TxnResponse;
import io.tern.api.proto.mvccpb.KeyValue;
import io.tern.api.proto.v3lockpb.LockRequest;
import io.tern.api.proto.v3lockpb.LockResponse;
import io.tern.api.proto.v3lockpb.UnlockRequest;
import io.tern.api.proto.v3lockpb.UnlockResponse;
import io.tern.api.watch.WatchHub;

import java.util.function.BooleanSupplier;

/**
 * etcd's Lock service: a lock is held by the oldest session key under {@code name/}. Lock creates the
 * caller's key (with its lease) unless the lease already has one, which re-enters, then waits until
 * every older key is gone. Unlock deletes the key it is given.
 */
public final class LockService {
    private final Recipes recipes;

    public LockService(KvService kv, LeaseService leases, WatchHub watches) {
        this.recipes = new Recipes(kv, leases, watches);
    }

    /** Blocks until the lock is held; a caller that goes away while waiting gives its key up. */
    public LockResponse lock(LockRequest r, BooleanSupplier cancelled) {
        long lease = recipes.sessionLease(r.getLease());
        ByteString prefix = Recipes.prefix(r.getName());
        ByteString key = Recipes.sessionKey(r.getName(), lease);
        TxnResponse t = recipes.claim(key, lease, ByteString.EMPTY,
                RequestOp.newBuilder().setRequestRange(Recipes.firstCreated(prefix)).build());
        long myRev = Recipes.claimRevision(t);
        var owners = t.getResponses(1).getResponseRange();
        ResponseHeader header = t.getHeader();
        KeyValue owner = owners.getKvsCount() == 0 ? null : owners.getKvs(0);
        if (owner != null && owner.getCreateRevision() != myRev) {
            try {
                header = recipes.waitDeletes(prefix, myRev - 1, cancelled);
            } catch (RuntimeException e) {
                recipes.deleteQuietly(key);
                throw e;
            }
        }
        return LockResponse.newBuilder().setHeader(header).setKey(key).build();
    }

    public UnlockResponse unlock(UnlockRequest r) {
        var d = Recipes.await(recipes.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(r.getKey()).build()));
        return UnlockResponse.newBuilder().setHeader(d.getHeader()).build();
    }
}
