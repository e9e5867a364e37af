package io.tern.server.grpc;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.Supplier;

/**
 * The inbound bytes of one HTTP/2 connection (prior knowledge or ALPN, so they start with the client preface),
 * less the frames a client sends on a stream after it has reset that stream itself.
 *
 * <p>RFC 9113 §5.1 makes such a frame a stream error at most. Helidon 4.4 ends the whole connection instead
 * (GOAWAY PROTOCOL_ERROR "Received data for stream N in state CLOSED"), failing every other call the client has
 * on it. grpc-java sends them when it cancels a stream right after its first message: the message's DATA frame
 * can follow the RST_STREAM.
 *
 * <p>Dropped: DATA frames, and RST_STREAM frames after the first, on a stream the client has reset (among the
 * last {@value #REMEMBERED_RESETS} it reset). A dropped DATA frame's bytes count against the connection's flow
 * control window on the client's side, and Helidon never sees them to give them back: they are handed to
 * {@code credit}, which returns them to the client. HEADERS frames always pass, since they change the HPACK
 * state that later ones depend on.
 */
final class LateFrameFilter implements Supplier<byte[]> {
    /** Stream ids of client resets remembered; a late frame comes right after its reset. */
    static final int REMEMBERED_RESETS = 4096;
    static final int PREFACE_BYTES = 24;
    static final int FRAME_HEADER_BYTES = 9;
    static final int DATA = 0x0;
    static final int RST_STREAM = 0x3;
    static final int WINDOW_UPDATE = 0x8;

    private final Supplier<byte[]> source;
    private final IntConsumer credit;
    /** Insertion ordered: the oldest is forgotten first. */
    private final Set<Integer> resets = new LinkedHashSet<>();
    private final byte[] header = new byte[FRAME_HEADER_BYTES];
    private int prefaceLeft = PREFACE_BYTES;
    private int headerFill;
    private int payloadLeft;
    private boolean dropping;

    /**
     * @param source chunks of the connection's bytes as they arrive; {@code null} at the end
     * @param credit takes the flow-control bytes of each dropped DATA frame (more than 0)
     */
    LateFrameFilter(Supplier<byte[]> source, IntConsumer credit) {
        this.source = source;
        this.credit = credit;
    }

    /** A reader of {@code in}'s bytes, less the late frames; blocks as {@code in} does. */
    static DataReader reader(DataReader in, IntConsumer credit) {
        return DataReader.create(new LateFrameFilter(() -> {
            in.ensureAvailable();
            return in.readBytes(in.available());
        }, credit));
    }

    /** A WINDOW_UPDATE frame for the whole connection (stream 0) of {@code increment} bytes (more than 0). */
    static BufferData connectionWindowUpdate(int increment) {
        return BufferData.create(new byte[] {0, 0, 4, WINDOW_UPDATE, 0, 0, 0, 0, 0,
                (byte) (increment >>> 24 & 0x7f), (byte) (increment >>> 16), (byte) (increment >>> 8), (byte) increment});
    }

    /** The next chunk with anything left after filtering, or {@code null} at the end of the source. */
    @Override
    public byte[] get() {
        while (true) {
            byte[] in = source.get();
            if (in == null) {
                return null;
            }
            byte[] out = filter(in);
            if (out.length > 0) {
                return out;
            }
        }
    }

    private byte[] filter(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        int at = 0;
        while (at < in.length) {
            int left = in.length - at;
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, left);
                out.write(in, at, n);
                prefaceLeft -= n;
                at += n;
            } else if (payloadLeft > 0) {
                int n = Math.min(payloadLeft, left);
                if (!dropping) {
                    out.write(in, at, n);
                }
                payloadLeft -= n;
                at += n;
            } else {
                int n = Math.min(FRAME_HEADER_BYTES - headerFill, left);
                System.arraycopy(in, at, header, headerFill, n);
                headerFill += n;
                at += n;
                if (headerFill == FRAME_HEADER_BYTES) {
                    headerFill = 0;
                    frameHeader(out);
                }
            }
        }
        return out.toByteArray();
    }

    /** Decides on the frame whose header is complete, and passes the header on unless the frame is dropped. */
    private void frameHeader(ByteArrayOutputStream out) {
        int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
        int type = header[3] & 0xff;
        int stream = (header[5] & 0x7f) << 24 | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8 | header[8] & 0xff;
        payloadLeft = length;
        dropping = switch (type) {
            case DATA -> resets.contains(stream);
            case RST_STREAM -> !remember(stream);
            default -> false;
        };
        if (!dropping) {
            out.write(header, 0, FRAME_HEADER_BYTES);
        } else if (type == DATA && length > 0) {
            credit.accept(length);
        }
    }

    /** Remembers a client reset of {@code stream}; false when it was remembered already. */
    private boolean remember(int stream) {
        if (!resets.add(stream)) {
            return false;
        }
        if (resets.size() > REMEMBERED_RESETS) {
            resets.remove(resets.iterator().next());
        }
        return true;
    }
}
