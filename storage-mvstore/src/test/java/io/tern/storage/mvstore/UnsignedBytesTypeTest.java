package io.tern.storage.mvstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import java.util.stream.Stream;
import org.h2.mvstore.WriteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UnsignedBytesTypeTest {

    static Stream<Integer> sizes() {
        // 127/128 and 16383/16384 cross the variable-length int's byte boundaries.
        return Stream.of(0, 1, 127, 128, 16_383, 16_384, 1_572_864);
    }

    @ParameterizedTest(name = "{0} bytes")
    @MethodSource("sizes")
    void arraysRoundTripBackToBack(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        byte[] marker = {(byte) 0xFF, 0x00};
        WriteBuffer out = new WriteBuffer();
        UnsignedBytesType.INSTANCE.write(out, data);
        UnsignedBytesType.INSTANCE.write(out, marker);
        ByteBuffer in = out.getBuffer();
        in.flip();
        assertThat(UnsignedBytesType.INSTANCE.read(in)).isEqualTo(data);
        assertThat(UnsignedBytesType.INSTANCE.read(in)).isEqualTo(marker);
        assertThat(in.hasRemaining()).isFalse();
    }

    record Order(byte[] smaller, byte[] larger, String why) {
        @Override
        public String toString() {
            return why;
        }
    }

    static Stream<Order> orders() {
        return Stream.of(
                new Order(new byte[0], new byte[] {0}, "the empty array comes first"),
                new Order(new byte[] {0x7F}, new byte[] {(byte) 0x80}, "bytes compare unsigned"),
                new Order(new byte[] {0x01}, new byte[] {(byte) 0xFF}, "0xFF is the largest byte"),
                new Order(new byte[] {'a'}, new byte[] {'a', 0}, "a prefix comes before its extensions"),
                new Order(new byte[] {'a', 'b', 'c'}, new byte[] {'b'}, "the first difference decides, not length"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void keysCompareAsUnsignedBytes(Order o) {
        assertThat(UnsignedBytesType.INSTANCE.compare(o.smaller(), o.larger())).isNegative();
        assertThat(UnsignedBytesType.INSTANCE.compare(o.larger(), o.smaller())).isPositive();
        assertThat(UnsignedBytesType.INSTANCE.compare(o.smaller(), o.smaller().clone())).isZero();
    }
}
