package io.tern.api.apply;

import io.tern.api.proto.etcdserverpb.AlarmResponse;
import io.tern.api.proto.raft.AuthApplied;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.api.proto.etcdserverpb.CompactionResponse;
import io.tern.api.proto.etcdserverpb.DeleteRangeResponse;
import io.tern.api.proto.etcdserverpb.LeaseGrantResponse;
import io.tern.api.proto.etcdserverpb.LeaseRevokeResponse;
import io.tern.api.proto.etcdserverpb.MemberAddResponse;
import io.tern.api.proto.etcdserverpb.MemberPromoteResponse;
import io.tern.api.proto.etcdserverpb.MemberRemoveResponse;
import io.tern.api.proto.etcdserverpb.MemberUpdateResponse;
import io.tern.api.proto.etcdserverpb.PutResponse;
import io.tern.api.proto.etcdserverpb.TxnResponse;
import io.tern.api.proto.raft.AppliedResult;

import java.util.concurrent.CompletableFuture;

/**
 * The wire form of {@link KvStateMachine}'s apply results ({@link AppliedResult}), for proposals a
 * follower forwarded: the leader encodes what it applied, the follower decodes it and answers with it.
 * Every result kind the state machine produces has a form here; a pending result (physical
 * compaction) is encoded once it completes.
 */
final class AppliedResults {
    private AppliedResults() {
    }

    static CompletableFuture<byte[]> encode(Object result) {
        if (result instanceof CompletableFuture<?> pending) {
            return pending.thenCompose(AppliedResults::encode);
        }
        AppliedResult.Builder b = AppliedResult.newBuilder();
        switch (result) {
            case PutResponse r -> b.setPut(r);
            case DeleteRangeResponse r -> b.setDeleteRange(r);
            case TxnResponse r -> b.setTxn(r);
            case CompactionResponse r -> b.setCompaction(r);
            case LeaseGrantResponse r -> b.setLeaseGrant(r);
            case LeaseRevokeResponse r -> b.setLeaseRevoke(r);
            case MemberAddResponse r -> b.setMemberAdd(r);
            case MemberRemoveResponse r -> b.setMemberRemove(r);
            case MemberUpdateResponse r -> b.setMemberUpdate(r);
            case MemberPromoteResponse r -> b.setMemberPromote(r);
            case Integer n -> b.setCount(n);
            case Boolean d -> b.setDone(d);
            case AuthApplied a -> b.setAuth(a);
            case AlarmResponse a -> b.setAlarm(a);
            case EtcdException e -> b.setError(e.error().name());
            case null, default -> throw new IllegalStateException("no wire form for applied result "
                    + (result == null ? "null" : result.getClass().getName()));
        }
        return CompletableFuture.completedFuture(b.build().toByteArray());
    }

    static Object decode(byte[] bytes) {
        AppliedResult r;
        try {
            r = AppliedResult.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("undecodable applied result from the leader", e);
        }
        return switch (r.getResultCase()) {
            case PUT -> r.getPut();
            case DELETE_RANGE -> r.getDeleteRange();
            case TXN -> r.getTxn();
            case COMPACTION -> r.getCompaction();
            case LEASE_GRANT -> r.getLeaseGrant();
            case LEASE_REVOKE -> r.getLeaseRevoke();
            case MEMBER_ADD -> r.getMemberAdd();
            case MEMBER_REMOVE -> r.getMemberRemove();
            case MEMBER_UPDATE -> r.getMemberUpdate();
            case MEMBER_PROMOTE -> r.getMemberPromote();
            case COUNT -> r.getCount();
            case DONE -> r.getDone();
            case AUTH -> r.getAuth();
            case ALARM -> r.getAlarm();
            case ERROR -> EtcdError.valueOf(r.getError()).exception();
            case RESULT_NOT_SET -> throw new IllegalStateException("empty applied result from the leader");
        };
    }

    /** {@code m} with its header's member id set to {@code memberId} (a result built on the leader). */
    @SuppressWarnings("unchecked")
    static <T> T withMemberId(T m, long memberId) {
        if (!(m instanceof Message msg)) {
            return m;
        }
        var field = msg.getDescriptorForType().findFieldByName("header");
        if (field == null || !msg.hasField(field)) {
            return m;
        }
        var header = (io.tern.api.proto.etcdserverpb.ResponseHeader) msg.getField(field);
        if (header.getMemberId() == memberId) {
            return m;
        }
        return (T) msg.toBuilder().setField(field, header.toBuilder().setMemberId(memberId).build()).build();
    }
}
