package io.tern.api.cluster;

import io.tern.api.proto.etcdserverpb.Member;
import io.tern.api.proto.etcdserverpb.MemberListResponse;
import io.tern.spi.consensus.ConsensusEngine;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The members this node knows, as etcd's Cluster service reports them.
 *
 * @param headers   this member's header ids
 * @param members   every member, in id order
 * @param revision  the store's current revision, for headers
 * @param consensus for the current raft term
 */
public record ClusterView(ResponseHeaders headers, List<MemberInfo> members, LongSupplier revision,
                          ConsensusEngine consensus) {

    /**
     * One member.
     *
     * @param id         64-bit member id
     * @param name       its --name
     * @param peerUrls   its advertised peer URLs
     * @param clientUrls its advertised client URLs
     */
    public record MemberInfo(long id, String name, List<String> peerUrls, List<String> clientUrls) {
        Member toProto() {
            return Member.newBuilder().setID(id).setName(name)
                    .addAllPeerURLs(peerUrls).addAllClientURLs(clientUrls).build();
        }
    }

    public ClusterView {
        members = List.copyOf(members);
    }

    public MemberListResponse memberList() {
        MemberListResponse.Builder b = MemberListResponse.newBuilder()
                .setHeader(headers.header(revision.getAsLong(), consensus.term()));
        members.forEach(m -> b.addMembers(m.toProto()));
        return b.build();
    }
}
