package io.tern.server.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.tern.api.error.ErrorMapper;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.api.mvcc.KvSnapshot;
import io.tern.api.proto.etcdserverpb.AlarmRequest;
import io.tern.api.proto.etcdserverpb.AlarmResponse;
import io.tern.api.proto.etcdserverpb.DefragmentRequest;
import io.tern.api.proto.etcdserverpb.DefragmentResponse;
import io.tern.api.proto.etcdserverpb.HashKVRequest;
import io.tern.api.proto.etcdserverpb.HashKVResponse;
import io.tern.api.proto.etcdserverpb.HashRequest;
import io.tern.api.proto.etcdserverpb.HashResponse;
import io.tern.api.proto.etcdserverpb.MaintenanceGrpc;
import io.tern.api.proto.etcdserverpb.MoveLeaderRequest;
import io.tern.api.proto.etcdserverpb.MoveLeaderResponse;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.SnapshotRequest;
import io.tern.api.proto.etcdserverpb.SnapshotResponse;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import io.tern.api.proto.etcdserverpb.StatusResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;

/** {@code etcdserverpb.Maintenance} over gRPC. */
public final class MaintenanceEndpoint extends MaintenanceGrpc.MaintenanceImplBase {
    /** Bytes of the copy per Snapshot message. */
    static final int SNAPSHOT_CHUNK_BYTES = 256 * 1024;
    private static final System.Logger LOG = System.getLogger(MaintenanceEndpoint.class.getName());

    private final MaintenanceService maintenance;
    private final ConnectionTracker connections;

    public MaintenanceEndpoint(MaintenanceService maintenance, ConnectionTracker connections) {
        this.maintenance = maintenance;
        this.connections = connections;
    }

    @Override
    public void moveLeader(MoveLeaderRequest request, StreamObserver<MoveLeaderResponse> observer) {
        Calls.answer(observer, () -> maintenance.moveLeader(request));
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.completedFuture(maintenance.status()));
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> observer) {
        Calls.answer(observer, () -> maintenance.alarm(request));
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.supplyAsync(maintenance::hash,
                Thread.ofVirtual().name("tern-hash")::start));
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> observer) {
        Calls.answer(observer, () -> CompletableFuture.supplyAsync(() -> maintenance.hashKv(request),
                Thread.ofVirtual().name("tern-hashkv")::start));
    }

    @Override
    public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> observer) {
        Calls.answer(observer, maintenance::defragment);
    }

    /**
     * etcd's Snapshot: the copy in messages of {@value #SNAPSHOT_CHUNK_BYTES} bytes, each with the bytes
     * still to come, then the SHA-256 of all of them in a last message. Streamed from its own virtual thread,
     * which the HTTP/2 flow control holds back when the client reads slowly; ends early if the client leaves.
     */
    @Override
    public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> observer) {
        KvSnapshot snapshot;
        try {
            snapshot = maintenance.snapshot();
        } catch (RuntimeException e) {
            observer.onError(ErrorMapper.toException(e));
            return;
        }
        Cancellation cancelled = new Cancellation(observer, connections);
        Thread.ofVirtual().name("tern-snapshot").start(() -> {
            try (snapshot; cancelled) {
                ResponseHeader header = maintenance.snapshotHeader(snapshot);
                MessageDigest sha = KvSnapshot.digest();
                try (ChunkStream out = new ChunkStream(observer, header, snapshot.size(), sha, cancelled)) {
                    snapshot.writeTo(out);
                }
                observer.onNext(SnapshotResponse.newBuilder().setHeader(header)
                        .setBlob(ByteString.copyFrom(sha.digest())).build());
                observer.onCompleted();
            } catch (ClientGone gone) {
                LOG.log(System.Logger.Level.INFO, "snapshot stream ended: the client left");
            } catch (IOException | RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "snapshot stream failed", e);
                try {
                    observer.onError(e instanceof IOException ? Status.INTERNAL.withDescription(
                            "snapshot: " + e.getMessage()).asRuntimeException() : ErrorMapper.toException(e));
                } catch (RuntimeException ignored) {
                    // the call is already over
                }
            }
        });
    }

    /** Raised inside the copy when the client cancelled; unwinds the scan. */
    private static final class ClientGone extends IOException {
        ClientGone() {
            super("client left");
        }
    }

    /** Cuts the copy into messages, hashing every byte sent. */
    private static final class ChunkStream extends OutputStream {
        private final StreamObserver<SnapshotResponse> observer;
        private final ResponseHeader header;
        private final MessageDigest sha;
        private final Cancellation cancelled;
        private final byte[] buffer = new byte[SNAPSHOT_CHUNK_BYTES];
        private int filled;
        private long remaining;

        ChunkStream(StreamObserver<SnapshotResponse> observer, ResponseHeader header, long total, MessageDigest sha,
                    Cancellation cancelled) {
            this.observer = observer;
            this.header = header;
            this.remaining = total;
            this.sha = sha;
            this.cancelled = cancelled;
        }

        @Override
        public void write(int b) throws IOException {
            if (filled == buffer.length) {
                send();
            }
            buffer[filled++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            while (len > 0) {
                if (filled == buffer.length) {
                    send();
                }
                int n = Math.min(len, buffer.length - filled);
                System.arraycopy(b, off, buffer, filled, n);
                filled += n;
                off += n;
                len -= n;
            }
        }

        private void send() throws IOException {
            if (cancelled.getAsBoolean()) {
                throw new ClientGone();
            }
            if (filled == 0) {
                return;
            }
            sha.update(buffer, 0, filled);
            remaining -= filled;
            if (remaining < 0) {
                throw new IllegalStateException("the snapshot grew while it was sent: " + -remaining + " bytes over");
            }
            observer.onNext(SnapshotResponse.newBuilder().setHeader(header).setRemainingBytes(remaining)
                    .setBlob(ByteString.copyFrom(buffer, 0, filled)).build());
            filled = 0;
        }

        @Override
        public void close() throws IOException {
            send();
            if (remaining != 0) {
                throw new IllegalStateException("the snapshot was " + remaining + " bytes shorter than measured");
            }
        }
    }
}
