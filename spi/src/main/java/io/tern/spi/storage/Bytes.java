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

    /**
     * The smallest key above every key that starts with {@code prefix}: the prefix with its last byte
     * below 0xFF incremented and the rest dropped (etcd's rule); null when there is none (all 0xFF).
     */
    public static byte[] prefixEnd(byte[] prefix) {
        for (int i = prefix.length - 1; i >= 0; i--) {
            if (prefix[i] != (byte) 0xFF) {
                byte[] end = Arrays.copyOf(prefix, i + 1);
                end[i]++;
                return end;
            }
        }
        return null;
    }
}
