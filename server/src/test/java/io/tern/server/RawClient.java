package io.tern.server;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.tern.api.proto.etcdserverpb.KVGrpc;
import io.tern.api.proto.etcdserverpb.LeaseGrpc;
import io.tern.api.proto.v3electionpb.ElectionGrpc;
import io.tern.api.proto.v3lockpb.LockGrpc;
import io.tern.api.proto.etcdserverpb.MaintenanceGrpc;

import java.util.concurrent.TimeUnit;

/**
 * A plain grpc-java client on etcd's protos, for request fields jetcd cannot send (ignore_value,
 * ignore_lease, empty keys, oversized frames).
 */
public final class RawClient implements AutoCloseable {
    public final ManagedChannel channel;

    public RawClient(TernServer server) {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.clientPort(0))
                .usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    /** A KV stub whose deadline starts now (a stub's deadline is fixed when the stub is made). */
    public KVGrpc.KVBlockingStub kv() {
        return KVGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    MaintenanceGrpc.MaintenanceBlockingStub maintenance() {
        return MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    public LeaseGrpc.LeaseBlockingStub lease() {
        return LeaseGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    LockGrpc.LockBlockingStub lock() {
        return LockGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    ElectionGrpc.ElectionBlockingStub election() {
        return ElectionGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Opens a raw bidi watch stream whose responses are collected in order. */
    public WatchProbe watch() {
        return new WatchProbe(channel);
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
