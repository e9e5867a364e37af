package io.tern.api.mvcc;

import io.tern.spi.storage.Bytes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class KeyLayoutTest {

    /** Two user keys in ascending unsigned order, and versions of each. */
    record Pair(String lowerHex, String higherHex) {
        byte[] lower() {
            return HexFormat.of().parseHex(lowerHex);
        }

        byte[] higher() {
            return HexFormat.of().parseHex(higherHex);
        }
    }

    static List<Pair> orderedPairs() {
        return List.of(
                new Pair("61", "62"),          // a < b
                new Pair("61", "6100"),        // a < a\0 (prefix first)
                new Pair("6100", "6101"),      // a\0 < a\1
                new Pair("6100", "610000"),    // a\0 < a\0\0
                new Pair("61ff", "62"),        // a\xff < b
                new Pair("00", "01"),
                new Pair("7f", "80"),          // unsigned
                new Pair("80", "ff"),
                new Pair("", "00"));
    }

    @ParameterizedTest
    @MethodSource("orderedPairs")
    void everyVersionOfTheLowerKeySortsBeforeEveryVersionOfTheHigherOne(Pair p) {
        byte[] lo = KeyLayout.keyPrefix(p.lower());
        byte[] hi = KeyLayout.keyPrefix(p.higher());
        byte[] loNewest = KeyLayout.versionKey(lo, Long.MAX_VALUE >>> 1);
        byte[] loOldest = KeyLayout.versionKey(lo, 0);
        byte[] hiNewest = KeyLayout.versionKey(hi, Long.MAX_VALUE >>> 1);
        assertThat(Bytes.compare(loNewest, loOldest)).isNegative();
        assertThat(Bytes.compare(loOldest, hiNewest)).isNegative();
        assertThat(Bytes.compare(loOldest, KeyLayout.prefixEnd(lo))).isNegative();
        assertThat(Bytes.compare(KeyLayout.prefixEnd(lo), hiNewest)).isNotPositive();
    }

    @ParameterizedTest
    @MethodSource("orderedPairs")
    void userKeysAndRevisionsRoundTrip(Pair p) {
        for (byte[] key : List.of(p.lower(), p.higher())) {
            byte[] storageKey = KeyLayout.versionKey(KeyLayout.keyPrefix(key), 12345);
            assertThat(KeyLayout.userKey(storageKey)).isEqualTo(key);
            assertThat(KeyLayout.versionMain(storageKey)).isEqualTo(12345);
        }
    }

    @ParameterizedTest
    @MethodSource("orderedPairs")
    void changeLogKeysFollowRevisionOrder(Pair ignored) {
        assertThat(Bytes.compare(KeyLayout.changeKey(5, 1), KeyLayout.changeKey(5, 2))).isNegative();
        assertThat(Bytes.compare(KeyLayout.changeKey(5, 999), KeyLayout.changeKey(6, 0))).isNegative();
        assertThat(KeyLayout.changeRevision(KeyLayout.changeKey(7, 3))).isEqualTo(new Revision(7, 3));
    }
}
