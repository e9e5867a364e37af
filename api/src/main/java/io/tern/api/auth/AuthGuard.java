package io.tern.api.auth;

import com.google.protobuf.ByteString;
import io.tern.api.auth.AuthStore.Caller;
import io.tern.api.error.EtcdError;
import io.tern.api.proto.etcdserverpb.*;
import io.tern.api.proto.v3electionpb.CampaignRequest;
import io.tern.api.proto.v3electionpb.LeaderRequest;
import io.tern.api.proto.v3electionpb.ProclaimRequest;
import io.tern.api.proto.v3electionpb.ResignRequest;
import io.tern.api.proto.v3lockpb.LockRequest;
import io.tern.api.proto.v3lockpb.UnlockRequest;
import io.tern.spi.storage.Bytes;

import java.util.List;
import java.util.function.LongFunction;

/**
 * Which permission each request needs, as etcd's auth appliers check them: key reads and writes over the
 * ranges a request touches (every compare and operation of a txn, both branches), admin (the root role)
 * for compaction, maintenance, membership changes and auth management, nothing for what any client may
 * ask (status, member list, leases, authenticating). Auth off allows all. Failures throw etcd's error.
 */
public final class AuthGuard {
    private static final byte[] NONE = new byte[0];

    private final AuthStore auth;
    private final LongFunction<List<byte[]>> leaseKeys;

    /** @param leaseKeys the keys attached to a lease (revoking it deletes them, so it needs write on each) */
    public AuthGuard(AuthStore auth, LongFunction<List<byte[]>> leaseKeys) {
        this.auth = auth;
        this.leaseKeys = leaseKeys;
    }

    public AuthStore store() {
        return auth;
    }

    /**
     * Requests etcd serves without looking at the caller at all, not even at whether its token is
     * valid: a client holding a stale token still gets them (and can authenticate again).
     */
    public static boolean ignoresCaller(Object request) {
        return request instanceof StatusRequest || request instanceof MemberListRequest
                || request instanceof LeaseTimeToLiveRequest t && !t.getKeys() || request instanceof LeaseLeasesRequest
                || request instanceof LeaseKeepAliveRequest || request instanceof AuthenticateRequest
                || request instanceof AuthStatusRequest;
    }

    public void check(Caller caller, Object request) {
        if (!auth.enabled()) {
            return;
        }
        switch (request) {
            case RangeRequest r -> read(caller, r.getKey(), r.getRangeEnd());
            case PutRequest r -> put(caller, r);
            case DeleteRangeRequest r -> delete(caller, r);
            case TxnRequest r -> txn(caller, r);
            case WatchRequest r -> {
                if (r.hasCreateRequest()) {
                    read(caller, r.getCreateRequest().getKey(), r.getCreateRequest().getRangeEnd());
                }
            }
            case LeaseRevokeRequest r -> {
                if (!auth.unrestricted(caller)) {
                    for (byte[] key : leaseKeys.apply(r.getID())) {
                        auth.checkWrite(caller, key, NONE);
                    }
                }
            }
            case LeaseGrantRequest r -> { }
            case LeaseKeepAliveRequest r -> { }
            case LeaseTimeToLiveRequest r -> {
                // Attached key names are data: read permission on each (etcd's fix for CVE-2023-32082).
                if (r.getKeys()) {
                    if (caller.user() == null) {
                        throw EtcdError.USER_EMPTY.exception();
                    }
                    if (!auth.unrestricted(caller)) {
                        for (byte[] key : leaseKeys.apply(r.getID())) {
                            auth.checkRead(caller, key, NONE);
                        }
                    }
                }
            }
            case LeaseLeasesRequest r -> { }
            case AuthenticateRequest r -> { }
            case AuthStatusRequest r -> { }
            case AuthUserGetRequest r -> {
                if (caller.user() == null || !caller.user().equals(r.getName())) {
                    auth.checkAdmin(caller);
                }
            }
            case AuthRoleGetRequest r -> {
                if (!auth.hasRole(caller, r.getRole())) {
                    auth.checkAdmin(caller);
                }
            }
            case StatusRequest r -> { }
            // etcd checks no rights on Alarm (its Defragment, Hash, HashKV and Snapshot need root).
            case AlarmRequest r -> { }
            case MemberListRequest r -> { }
            case LockRequest r -> prefix(caller, r.getName().concat(ByteString.copyFromUtf8("/")), true);
            case UnlockRequest r -> write(caller, r.getKey(), ByteString.EMPTY);
            case CampaignRequest r -> prefix(caller, r.getName().concat(ByteString.copyFromUtf8("/")), true);
            case ProclaimRequest r -> write(caller, r.getLeader().getKey(), ByteString.EMPTY);
            case ResignRequest r -> write(caller, r.getLeader().getKey(), ByteString.EMPTY);
            case LeaderRequest r -> prefix(caller, r.getName().concat(ByteString.copyFromUtf8("/")), false);
            // Compaction, maintenance, membership changes and the rest of the Auth API.
            default -> auth.checkAdmin(caller);
        }
    }

    private void put(Caller caller, PutRequest r) {
        write(caller, r.getKey(), ByteString.EMPTY);
        if (r.getPrevKv()) {
            read(caller, r.getKey(), ByteString.EMPTY);
        }
    }

    private void delete(Caller caller, DeleteRangeRequest r) {
        write(caller, r.getKey(), r.getRangeEnd());
        if (r.getPrevKv()) {
            read(caller, r.getKey(), r.getRangeEnd());
        }
    }

    private void txn(Caller caller, TxnRequest r) {
        for (Compare c : r.getCompareList()) {
            read(caller, c.getKey(), c.getRangeEnd());
        }
        for (var ops : List.of(r.getSuccessList(), r.getFailureList())) {
            for (RequestOp op : ops) {
                switch (op.getRequestCase()) {
                    case REQUEST_RANGE -> read(caller, op.getRequestRange().getKey(), op.getRequestRange().getRangeEnd());
                    case REQUEST_PUT -> put(caller, op.getRequestPut());
                    case REQUEST_DELETE_RANGE -> delete(caller, op.getRequestDeleteRange());
                    case REQUEST_TXN -> txn(caller, op.getRequestTxn());
                    case REQUEST_NOT_SET -> { }
                }
            }
        }
    }

    private void prefix(Caller caller, ByteString prefix, boolean write) {
        byte[] past = Bytes.prefixEnd(prefix.toByteArray());
        ByteString end = past == null ? ByteString.copyFrom(new byte[] {0}) : ByteString.copyFrom(past);
        read(caller, prefix, end);
        if (write) {
            write(caller, prefix, end);
        }
    }

    private void read(Caller caller, ByteString key, ByteString rangeEnd) {
        auth.checkRead(caller, key.toByteArray(), rangeEnd.toByteArray());
    }

    private void write(Caller caller, ByteString key, ByteString rangeEnd) {
        auth.checkWrite(caller, key.toByteArray(), rangeEnd.toByteArray());
    }
}
