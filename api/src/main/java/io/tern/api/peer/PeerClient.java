package io.tern.api.peer;

import com.google.protobuf.InvalidProtocolBufferException;
import io.tern.api.error.EtcdError;
import io.tern.api.proto.peer.PeerRequest;
import io.tern.api.proto.peer.PeerResponse;
import io.tern.spi.consensus.ConsensusEngine;
import io.tern.spi.consensus.PeerAddress;

import java.util.concurrent.CompletableFuture;

/**
 * Sends {@link PeerRequest}s and turns the answer back into a response or the etcd error the other
 * member raised, so a forwarded request fails exactly as it would have locally.
 */
public final class PeerClient {
    private final ConsensusEngine consensus;

    public PeerClient(ConsensusEngine consensus) {
        this.consensus = consensus;
    }

    public CompletableFuture<PeerResponse> leader(PeerRequest request) {
        return consensus.callLeader(request.toByteArray()).thenCompose(PeerClient::decode);
    }

    public CompletableFuture<PeerResponse> member(PeerAddress address, PeerRequest request) {
        return consensus.callMember(address, request.toByteArray()).thenCompose(PeerClient::decode);
    }

    private static CompletableFuture<PeerResponse> decode(byte[] bytes) {
        PeerResponse r;
        try {
            r = PeerResponse.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return CompletableFuture.failedFuture(new IllegalStateException("undecodable peer response", e));
        }
        if (r.getResponseCase() == PeerResponse.ResponseCase.ERROR) {
            EtcdError error;
            try {
                error = EtcdError.valueOf(r.getError());
            } catch (IllegalArgumentException unknown) {
                return CompletableFuture.failedFuture(new IllegalStateException("peer answered " + r.getError()));
            }
            return CompletableFuture.failedFuture(error.exception());
        }
        return CompletableFuture.completedFuture(r);
    }
}
