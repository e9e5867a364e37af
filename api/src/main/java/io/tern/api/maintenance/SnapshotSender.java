package io.tern.api.maintenance;

import com.google.protobuf.ByteString;
import io.tern.api.mvcc.KvSnapshot;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.SnapshotResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Cuts a {@link KvSnapshot} into etcd's Snapshot messages: blobs of {@value #CHUNK_BYTES} bytes, each with
 * the bytes still to come, then the SHA-256 of them all in a last message. The same for gRPC and the HTTP
 * gateway.
 */
final class SnapshotSender extends OutputStream {
    /** Bytes of the copy per message. */
    static final int CHUNK_BYTES = 256 * 1024;

    private final Consumer<SnapshotResponse> send;
    private final ResponseHeader header;
    private final MessageDigest sha = KvSnapshot.digest();
    private final BooleanSupplier cancelled;
    private final byte[] buffer = new byte[CHUNK_BYTES];
    private int filled;
    private long remaining;

    private SnapshotSender(Consumer<SnapshotResponse> send, ResponseHeader header, long total,
                           BooleanSupplier cancelled) {
        this.send = send;
        this.header = header;
        this.remaining = total;
        this.cancelled = cancelled;
    }

    /**
     * Sends the whole copy, checksum last. Throws {@link CancellationException} once {@code cancelled}
     * answers true, between messages.
     */
    static void send(KvSnapshot snapshot, ResponseHeader header, Consumer<SnapshotResponse> send,
                     BooleanSupplier cancelled) throws IOException {
        SnapshotSender out = new SnapshotSender(send, header, snapshot.size(), cancelled);
        snapshot.writeTo(out);
        out.flushChunk();
        if (out.remaining != 0) {
            throw new IllegalStateException("the snapshot was " + out.remaining + " bytes shorter than measured");
        }
        send.accept(SnapshotResponse.newBuilder().setHeader(header)
                .setBlob(ByteString.copyFrom(out.sha.digest())).build());
    }

    @Override
    public void write(int b) {
        if (filled == buffer.length) {
            flushChunk();
        }
        buffer[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        while (len > 0) {
            if (filled == buffer.length) {
                flushChunk();
            }
            int n = Math.min(len, buffer.length - filled);
            System.arraycopy(b, off, buffer, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    private void flushChunk() {
        if (cancelled.getAsBoolean()) {
            throw new CancellationException("the client left");
        }
        if (filled == 0) {
            return;
        }
        sha.update(buffer, 0, filled);
        remaining -= filled;
        if (remaining < 0) {
            throw new IllegalStateException("the snapshot grew while it was sent: " + -remaining + " bytes over");
        }
        send.accept(SnapshotResponse.newBuilder().setHeader(header).setRemainingBytes(remaining)
                .setBlob(ByteString.copyFrom(buffer, 0, filled)).build());
        filled = 0;
    }
}
