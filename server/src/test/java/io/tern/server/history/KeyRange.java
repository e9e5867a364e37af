package io.tern.server.history;

import java.util.Objects;

/**
 * The keys a watch covers, with etcd's meanings of {@code key} and {@code range_end}. Keys compare as
 * their UTF-8 bytes do, which for strings is code point order.
 */
public record KeyRange(Kind kind, String key, String end) {

    /** How {@code key} and {@code end} select keys. */
    public enum Kind {
        /** Exactly {@code key} (an empty range_end). */
        SINGLE,
        /** Every key starting with {@code key} (range_end = the prefix's successor). */
        PREFIX,
        /** Every key at or after {@code key} (range_end = "\0"). */
        FROM,
        /** Keys in [{@code key}, {@code end}). */
        RANGE
    }

    public KeyRange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if ((kind == Kind.RANGE) != (end != null)) {
            throw new IllegalArgumentException("only a RANGE has an end: " + kind + " " + key + " " + end);
        }
    }

    public static KeyRange single(String key) {
        return new KeyRange(Kind.SINGLE, key, null);
    }

    public static KeyRange prefix(String prefix) {
        return new KeyRange(Kind.PREFIX, prefix, null);
    }

    /** Every key: what a watch from revision 1 reading the whole revision history covers. */
    public static KeyRange all() {
        return new KeyRange(Kind.FROM, "", null);
    }

    public static KeyRange between(String key, String end) {
        return new KeyRange(Kind.RANGE, key, end);
    }

    public boolean contains(String k) {
        return switch (kind) {
            case SINGLE -> k.equals(key);
            case PREFIX -> k.startsWith(key);
            case FROM -> compare(k, key) >= 0;
            case RANGE -> compare(k, key) >= 0 && compare(k, end) < 0;
        };
    }

    /** Code point order, which is UTF-8 byte order (String.compareTo orders UTF-16 units). */
    static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    @Override
    public String toString() {
        return switch (kind) {
            case SINGLE -> key;
            case PREFIX -> key + "*";
            case FROM -> key.isEmpty() ? "all keys" : "[" + key + ", ...)";
            case RANGE -> "[" + key + ", " + end + ")";
        };
    }
}
