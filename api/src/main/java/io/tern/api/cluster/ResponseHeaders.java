package io.tern.api.cluster;

import io.tern.api.proto.etcdserverpb.ResponseHeader;

/**
 * Builds the header etcd puts on every response: cluster id, member id, revision and raft term.
 *
 * @param clusterId the cluster's 64-bit id
 * @param memberId  this member's 64-bit id
 */
public record ResponseHeaders(long clusterId, long memberId) {

    public ResponseHeader header(long revision, long raftTerm) {
        return ResponseHeader.newBuilder()
                .setClusterId(clusterId)
                .setMemberId(memberId)
                .setRevision(revision)
                .setRaftTerm(raftTerm)
                .build();
    }
}
