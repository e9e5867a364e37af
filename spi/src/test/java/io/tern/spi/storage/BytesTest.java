package io.tern.spi.storage;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The prefix-end rule. */
class BytesTest {
    record End(String name, byte[] prefix, byte[] end) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<End> ends() {
        return List.of(
                new End("last byte incremented", new byte[] {'a', 'b'}, new byte[] {'a', 'c'}),
                new End("trailing 0xFF dropped", new byte[] {'a', (byte) 0xFF, (byte) 0xFF}, new byte[] {'b'}),
                new End("0xFE becomes 0xFF", new byte[] {(byte) 0xFE}, new byte[] {(byte) 0xFF}),
                new End("all 0xFF: no end", new byte[] {(byte) 0xFF, (byte) 0xFF}, null),
                new End("empty prefix: no end", new byte[0], null));
    }

    @ParameterizedTest
    @MethodSource("ends")
    void prefixEnd(End c) {
        assertThat(Bytes.prefixEnd(c.prefix())).isEqualTo(c.end());
        if (c.end() != null) {
            byte[] longest = java.util.Arrays.copyOf(c.prefix(), c.prefix().length + 3);
            java.util.Arrays.fill(longest, c.prefix().length, longest.length, (byte) 0xFF);
            assertThat(Bytes.compare(longest, c.end())).as("every extension sorts below the end").isNegative();
        }
    }
}
