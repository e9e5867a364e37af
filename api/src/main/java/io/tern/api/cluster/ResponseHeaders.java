package io.tern.api.cluster;

import io.tern.api.proto.etcdserverpb.ResponseHeader;

/**
 * Builds the header etcd puts on every response: cluster id, member id, revision and raft term. A
 * member that joins a running cluster learns its ids only once the cluster's member records reach it:
 * until {@link #identify} its headers carry zeros.
 */
public final class ResponseHeaders {
    private volatile long clusterId;
    private volatile long memberId;

    public ResponseHeaders(long clusterId, long memberId) {
        this.clusterId = clusterId;
        this.memberId = memberId;
    }

    /** Sets the ids once they are known (a joining member). */
    public void identify(long cluster, long member) {
        this.clusterId = cluster;
        this.memberId = member;
    }

    public long clusterId() {
        return clusterId;
    }

    public long memberId() {
        return memberId;
    }

    public ResponseHeader header(long revision, long raftTerm) {
        return ResponseHeader.newBuilder()
                .setClusterId(clusterId)
                .setMemberId(memberId)
                .setRevision(revision)
                .setRaftTerm(raftTerm)
                .build();
    }
}
