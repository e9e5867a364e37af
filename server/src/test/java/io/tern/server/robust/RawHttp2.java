package io.tern.server.robust;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Hand-made HTTP/2 bytes for clients that break off at chosen points, which no real client library will do:
 * the connection preface, SETTINGS, a gRPC request's HEADERS (HPACK from the static table and literals without
 * Huffman coding or indexing, so no encoder state is needed), DATA and RST_STREAM frames (RFC 9113 section 4.1).
 */
final class RawHttp2 {
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int CANCEL = 0x8;

    private RawHttp2() {
    }

    /** The preface and an empty SETTINGS frame: what every client sends first. */
    static byte[] opening() {
        return concat(PREFACE, frame(SETTINGS, 0, 0, new byte[0]));
    }

    /** HEADERS opening stream {@code stream} with a gRPC call of {@code method} ("/pkg.Service/Method"); not ended. */
    static byte[] grpcHeaders(int stream, String method) {
        return postHeaders(stream, method, "application/grpc", true);
    }

    /** HEADERS opening stream {@code stream} with a POST of JSON to {@code path} (etcd's gateway); not ended. */
    static byte[] jsonHeaders(int stream, String path) {
        return postHeaders(stream, path, "application/json", false);
    }

    private static byte[] postHeaders(int stream, String path, String contentType, boolean trailers) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        // Pseudo-headers name static table entries (Helidon refuses them as new names): RFC 7541 appendix A.
        block.write(0x80 | 3); // :method POST
        block.write(0x80 | 6); // :scheme http
        block.write(4); // :path, literal value
        string(block, path);
        block.write(1); // :authority, literal value
        string(block, "127.0.0.1");
        literal(block, "content-type", contentType);
        if (trailers) {
            literal(block, "te", "trailers");
        }
        return frame(HEADERS, END_HEADERS, stream, block.toByteArray());
    }

    /**
     * DATA carrying the first {@code sent} bytes of a gRPC message announced as {@code announced} bytes long;
     * the stream is not ended.
     */
    static byte[] partialMessage(int stream, int announced, int sent) {
        byte[] payload = new byte[5 + sent];
        payload[1] = (byte) (announced >>> 24);
        payload[2] = (byte) (announced >>> 16);
        payload[3] = (byte) (announced >>> 8);
        payload[4] = (byte) announced;
        Arrays.fill(payload, 5, payload.length, (byte) 0x0a);
        return frame(DATA, 0, stream, payload);
    }

    /** DATA carrying one whole gRPC message; {@code end} also ends the client's side of the stream. */
    static byte[] message(int stream, byte[] message, boolean end) {
        byte[] payload = new byte[5 + message.length];
        payload[1] = (byte) (message.length >>> 24);
        payload[2] = (byte) (message.length >>> 16);
        payload[3] = (byte) (message.length >>> 8);
        payload[4] = (byte) message.length;
        System.arraycopy(message, 0, payload, 5, message.length);
        return frame(DATA, end ? END_STREAM : 0, stream, payload);
    }

    /** DATA carrying {@code bytes} as they are; the stream is not ended. */
    static byte[] data(int stream, byte[] bytes) {
        return frame(DATA, 0, stream, bytes);
    }

    /** An empty DATA frame that ends the client's side of the stream. */
    static byte[] endStream(int stream) {
        return frame(DATA, END_STREAM, stream, new byte[0]);
    }

    /** RST_STREAM with CANCEL, as a gRPC client cancels a call. */
    static byte[] cancel(int stream) {
        return frame(RST_STREAM, 0, stream, new byte[] {0, 0, 0, CANCEL});
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        byte[] f = new byte[9 + payload.length];
        f[0] = (byte) (payload.length >>> 16);
        f[1] = (byte) (payload.length >>> 8);
        f[2] = (byte) payload.length;
        f[3] = (byte) type;
        f[4] = (byte) flags;
        f[5] = (byte) (stream >>> 24);
        f[6] = (byte) (stream >>> 16);
        f[7] = (byte) (stream >>> 8);
        f[8] = (byte) stream;
        System.arraycopy(payload, 0, f, 9, payload.length);
        return f;
    }

    /** "Literal header field without indexing, new name" (RFC 7541 section 6.2.2); strings under 127 bytes. */
    private static void literal(ByteArrayOutputStream block, String name, String value) {
        block.write(0);
        string(block, name);
        string(block, value);
    }

    private static void string(ByteArrayOutputStream block, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length >= 127) {
            throw new IllegalArgumentException("too long for a one-byte length: " + s);
        }
        block.write(b.length);
        block.writeBytes(b);
    }
}
