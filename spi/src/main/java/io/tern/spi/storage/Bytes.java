package io.tern.spi.storage;

import java.util.Arrays;
import java.util.Comparator;

/** The key order every engine uses: unsigned bytes, lexicographic, a prefix before its extensions. */
public final class Bytes {
    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    private Bytes() {
    }

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /** True when {@code key} lies in {@code [from, to)}; {@code to == null} is unbounded. */
    public static boolean inRange(byte[] key, byte[] from, byte[] to) {
        return compare(key, from) >= 0 && (to == null || compare(key, to) < 0);
    }
}
