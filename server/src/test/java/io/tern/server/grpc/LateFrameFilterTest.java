package io.tern.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.helidon.common.buffers.BufferData;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LateFrameFilter} on hand-made frame sequences, each fed whole, a byte at a time and in chunks of seven
 * bytes, since frames arrive split anywhere. The end-to-end case (grpc-java cancelling streams right after
 * opening them) is in {@code ConnectionAbuseTest}.
 */
class LateFrameFilterTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** A frame: its type, stream and payload length (payload bytes all {@code 7}). */
    record Frame(int type, int stream, int length) {
        byte[] bytes() {
            byte[] f = new byte[LateFrameFilter.FRAME_HEADER_BYTES + length];
            f[0] = (byte) (length >>> 16);
            f[1] = (byte) (length >>> 8);
            f[2] = (byte) length;
            f[3] = (byte) type;
            f[5] = (byte) (stream >>> 24);
            f[6] = (byte) (stream >>> 16);
            f[7] = (byte) (stream >>> 8);
            f[8] = (byte) stream;
            Arrays.fill(f, LateFrameFilter.FRAME_HEADER_BYTES, f.length, (byte) 7);
            return f;
        }
    }

    private static Frame data(int stream, int length) {
        return new Frame(LateFrameFilter.DATA, stream, length);
    }

    private static Frame headers(int stream) {
        return new Frame(0x1, stream, 5);
    }

    private static Frame reset(int stream) {
        return new Frame(LateFrameFilter.RST_STREAM, stream, 4);
    }

    record Case(String name, List<Frame> in, List<Frame> out, List<Integer> credits) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("frames of streams the client has not reset pass",
                        List.of(headers(1), data(1, 20), headers(3), data(3, 0), new Frame(0x8, 0, 4)),
                        List.of(headers(1), data(1, 20), headers(3), data(3, 0), new Frame(0x8, 0, 4)), List.of()),
                new Case("DATA after the client's reset is dropped, its bytes given back",
                        List.of(headers(1), reset(1), data(1, 19), headers(3)),
                        List.of(headers(1), reset(1), headers(3)), List.of(19)),
                new Case("an empty DATA frame after the reset is dropped with nothing to give back",
                        List.of(headers(1), reset(1), data(1, 0)), List.of(headers(1), reset(1)), List.of()),
                new Case("DATA before the reset passes", List.of(headers(1), data(1, 30), reset(1)),
                        List.of(headers(1), data(1, 30), reset(1)), List.of()),
                new Case("a second reset of the same stream is dropped",
                        List.of(headers(5), reset(5), reset(5), headers(7)), List.of(headers(5), reset(5), headers(7)),
                        List.of()),
                new Case("HEADERS after the reset pass (they carry HPACK state)",
                        List.of(headers(1), reset(1), headers(1)), List.of(headers(1), reset(1), headers(1)), List.of()),
                new Case("another stream's DATA between late frames passes",
                        List.of(headers(1), headers(3), reset(1), data(1, 10), data(3, 11), data(1, 12)),
                        List.of(headers(1), headers(3), reset(1), data(3, 11)), List.of(10, 12)),
                new Case("a large late frame's length is given back whole",
                        List.of(headers(1), reset(1), data(1, 70_000)), List.of(headers(1), reset(1)), List.of(70_000)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void lateFramesAreDroppedWhateverTheChunking(Case c) {
        byte[] expected = concat(PREFACE, c.out());
        for (int chunk : new int[] {Integer.MAX_VALUE, 1, 7}) {
            List<Integer> credits = new ArrayList<>();
            byte[] got = drain(new LateFrameFilter(chunks(concat(PREFACE, c.in()), chunk), credits::add));
            assertThat(got).as("output in chunks of %d", chunk).isEqualTo(expected);
            assertThat(credits).as("bytes given back in chunks of %d", chunk).isEqualTo(c.credits());
        }
    }

    /** Late frames come right after their reset: only the latest resets are remembered. */
    @Test
    void theOldestResetIsForgottenFirst() {
        List<Frame> in = new ArrayList<>();
        for (int i = 0; i <= LateFrameFilter.REMEMBERED_RESETS; i++) {
            in.add(reset(2 * i + 1));
        }
        in.add(data(1, 3)); // the first reset, forgotten: passes
        in.add(data(3, 3)); // the second, still remembered: dropped
        List<Integer> credits = new ArrayList<>();
        byte[] got = drain(new LateFrameFilter(chunks(concat(PREFACE, in), 4096), credits::add));
        assertThat(got).isEqualTo(concat(PREFACE, in.subList(0, in.size() - 1)));
        assertThat(credits).containsExactly(3);
    }

    @Test
    void aWindowUpdateGivesTheBytesBackToTheWholeConnection() {
        BufferData frame = LateFrameFilter.connectionWindowUpdate(70_000); // 0x011170
        assertThat(frame.readBytes()).isEqualTo(new byte[] {0, 0, 4, 0x8, 0, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70});
    }

    private static byte[] concat(byte[] first, List<Frame> frames) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(first);
        frames.forEach(f -> out.writeBytes(f.bytes()));
        return out.toByteArray();
    }

    /** {@code bytes} in chunks of {@code size}, then the end. */
    private static Supplier<byte[]> chunks(byte[] bytes, int size) {
        int[] at = {0};
        return () -> {
            if (at[0] >= bytes.length) {
                return null;
            }
            int n = Math.min(size, bytes.length - at[0]);
            byte[] chunk = Arrays.copyOfRange(bytes, at[0], at[0] + n);
            at[0] += n;
            return chunk;
        };
    }

    private static byte[] drain(LateFrameFilter filter) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] chunk = filter.get(); chunk != null; chunk = filter.get()) {
            assertThat(chunk).as("chunks handed on are never empty").isNotEmpty();
            out.writeBytes(chunk);
        }
        return out.toByteArray();
    }
}
