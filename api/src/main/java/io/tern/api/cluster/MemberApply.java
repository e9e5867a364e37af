package io.tern.api.cluster;

import io.tern.api.error.EtcdError;
import io.tern.api.mvcc.KvStoreTxn;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MemberUpdateRequest;
import io.tern.api.proto.raft.ClusterInit;
import io.tern.api.proto.raft.MemberAdd;

import java.util.ArrayList;
import java.util.List;

/**
 * Membership entries applied to the member records inside a write transaction. Every check here is
 * deterministic (it reads only the records and the entry), so every member decides alike; a refused
 * entry throws etcd's error and changes nothing.
 */
public final class MemberApply {
    private MemberApply() {
    }

    /** Records a new cluster's members and id; ignored when the cluster is already recorded. */
    public static void init(KvStoreTxn txn, ClusterInit init) {
        if (txn.clusterId() != 0) {
            return;
        }
        txn.setClusterId(init.getClusterId());
        for (Member m : init.getMembersList()) {
            txn.putMember(m.getID(), m.toByteArray());
        }
    }

    /** Adds a member; returns every member afterwards. */
    public static List<Member> add(KvStoreTxn txn, MemberAdd add) {
        List<Member> members = members(txn);
        Member m = add.getMember();
        // Peer URLs first: ids of members added within the same second at the same URLs coincide, and the
        // URL is the operator's actual mistake.
        for (Member existing : members) {
            if (existing.getPeerURLsList().stream().anyMatch(m.getPeerURLsList()::contains)) {
                throw EtcdError.PEER_URL_EXIST.exception();
            }
        }
        if (members.stream().anyMatch(existing -> existing.getID() == m.getID())) {
            throw EtcdError.MEMBER_EXIST.exception();
        }
        if (txn.memberRemoved(m.getID())) {
            // etcd refuses every configuration change on a removed id and answers "member not found".
            throw EtcdError.MEMBER_NOT_FOUND.exception();
        }
        if (m.getIsLearner() && members.stream().filter(Member::getIsLearner).count() >= add.getMaxLearners()) {
            throw EtcdError.TOO_MANY_LEARNERS.exception();
        }
        txn.putMember(m.getID(), m.toByteArray());
        return members(txn);
    }

    /** Removes a member; returns every member afterwards. */
    public static List<Member> remove(KvStoreTxn txn, long id) {
        find(txn, id);
        txn.removeMember(id);
        return members(txn);
    }

    /** Replaces a member's peer URLs; returns every member afterwards. */
    public static List<Member> update(KvStoreTxn txn, MemberUpdateRequest r) {
        Member m = find(txn, r.getID());
        for (Member other : members(txn)) {
            if (other.getID() != r.getID() && other.getPeerURLsList().stream().anyMatch(r.getPeerURLsList()::contains)) {
                throw EtcdError.PEER_URL_EXIST.exception();
            }
        }
        txn.putMember(m.getID(), m.toBuilder().clearPeerURLs().addAllPeerURLs(r.getPeerURLsList()).build().toByteArray());
        return members(txn);
    }

    /** Makes a learner a voter; returns every member afterwards. */
    public static List<Member> promote(KvStoreTxn txn, long id) {
        Member m = find(txn, id);
        if (!m.getIsLearner()) {
            throw EtcdError.MEMBER_NOT_LEARNER.exception();
        }
        txn.putMember(id, m.toBuilder().setIsLearner(false).build().toByteArray());
        return members(txn);
    }

    /** Records the name and client URLs a member announced; a member removed meanwhile is skipped. */
    public static void publish(KvStoreTxn txn, Member announced) {
        members(txn).stream().filter(m -> m.getID() == announced.getID()).findFirst().ifPresent(m ->
                txn.putMember(m.getID(), m.toBuilder().setName(announced.getName())
                        .clearClientURLs().addAllClientURLs(announced.getClientURLsList()).build().toByteArray()));
    }

    private static Member find(KvStoreTxn txn, long id) {
        return members(txn).stream().filter(m -> m.getID() == id).findFirst()
                .orElseThrow(EtcdError.MEMBER_NOT_FOUND::exception);
    }

    private static List<Member> members(KvStoreTxn txn) {
        List<Member> out = new ArrayList<>();
        txn.members((id, record) -> out.add(ClusterMembers.decode(id, record)));
        return out;
    }
}
