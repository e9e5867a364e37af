package io.tern.api.mvcc;

import java.util.Arrays;

/**
 * How the MVCC key space is laid out in one ordered byte-key store.
 *
 * <pre>
 *  'k' enc(key) ~main        -> version record   one entry per version of a key; newest first
 *  'r' main sub              -> key              the change log, in revision order (watch, compaction)
 *  'm' name                  -> long             store metadata (revision, applied index, compaction)
 *  'l' id                    -> varint(ttl)      a granted lease and its granted TTL in seconds
 *  'a' id key                -> (empty)          key is attached to lease id (its live version names it)
 *  'c' id                    -> record           a cluster member (the cluster layer's encoding)
 *  'x' id                    -> (empty)          a removed member's id: it may never come back (etcd's
 *                                                 members_removed)
 * </pre>
 *
 * {@code enc} escapes each 0x00 as 0x00 0xFF and ends with 0x00 0x01. It keeps unsigned byte order and no
 * encoded key is a prefix of another, so the versions of key {@code a} all sort between {@code enc(a)}
 * and {@code enc(b)} for every {@code b > a}. Revisions are 8-byte big-endian; {@code ~main} makes a
 * forward scan meet a key's newest version first.
 *
 * <p>Example, key "foo" put at 5, put at 9, deleted at 12 (T = tombstone):
 * <pre>
 *  k foo\0\1 ~12 -> T        r 5 0 -> foo
 *  k foo\0\1 ~9  -> v2       r 9 0 -> foo
 *  k foo\0\1 ~5  -> v1       r 12 0 -> foo
 * </pre>
 */
final class KeyLayout {
    static final byte VERSIONS = 'k';
    static final byte CHANGES = 'r';
    static final byte META = 'm';
    static final byte LEASES = 'l';
    static final byte ATTACHED = 'a';
    static final byte MEMBERS = 'c';
    static final byte REMOVED_MEMBERS = 'x';
    private static final int REV_BYTES = 8;

    private KeyLayout() {
    }

    /** 'k' + enc(key): the prefix shared by every version of {@code key}. */
    static byte[] keyPrefix(byte[] key) {
        int zeros = 0;
        for (byte b : key) {
            if (b == 0) {
                zeros++;
            }
        }
        byte[] out = new byte[1 + key.length + zeros + 2];
        out[0] = VERSIONS;
        int i = 1;
        for (byte b : key) {
            out[i++] = b;
            if (b == 0) {
                out[i++] = (byte) 0xFF;
            }
        }
        out[i++] = 0;
        out[i] = 1;
        return out;
    }

    /** The storage key of {@code key}'s version written at revision {@code main}. */
    static byte[] versionKey(byte[] prefix, long main) {
        byte[] out = Arrays.copyOf(prefix, prefix.length + REV_BYTES);
        putLong(out, prefix.length, ~main);
        return out;
    }

    /** Exclusive upper bound of every version entry of the key whose prefix is {@code prefix}. */
    static byte[] prefixEnd(byte[] prefix) {
        byte[] out = prefix.clone();
        out[out.length - 1]++; // the terminator's last byte is 0x01, never 0xFF
        return out;
    }

    /** The storage position where a range scan over user keys starting at {@code key} begins. */
    static byte[] scanStart(byte[] key) {
        return keyPrefix(key);
    }

    /** The exclusive storage bound of a range scan ending before user key {@code end}; null = the whole key space. */
    static byte[] scanEnd(byte[] end) {
        return end == null ? new byte[] {VERSIONS + 1} : keyPrefix(end);
    }

    /** The revision a version entry was written at. */
    static long versionMain(byte[] storageKey) {
        return ~getLong(storageKey, storageKey.length - REV_BYTES);
    }

    /** Length of the 'k' + enc(key) part of a version entry's storage key. */
    static int prefixLength(byte[] storageKey) {
        return storageKey.length - REV_BYTES;
    }

    /** Decodes the user key of a version entry. */
    static byte[] userKey(byte[] storageKey) {
        int end = storageKey.length - REV_BYTES - 2;
        byte[] buf = new byte[end - 1];
        int n = 0;
        for (int i = 1; i < end; i++) {
            buf[n++] = storageKey[i];
            if (storageKey[i] == 0) {
                i++; // skip the 0xFF escape
            }
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }

    static byte[] changeKey(long main, long sub) {
        byte[] out = new byte[1 + 2 * REV_BYTES];
        out[0] = CHANGES;
        putLong(out, 1, main);
        putLong(out, 1 + REV_BYTES, sub);
        return out;
    }

    static Revision changeRevision(byte[] changeKey) {
        return new Revision(getLong(changeKey, 1), getLong(changeKey, 1 + REV_BYTES));
    }

    static byte[] leaseKey(long id) {
        return idKey(LEASES, id);
    }

    static long leaseId(byte[] leaseKey) {
        return getLong(leaseKey, 1);
    }

    static byte[] memberKey(long id) {
        return idKey(MEMBERS, id);
    }

    static byte[] removedMemberKey(long id) {
        return idKey(REMOVED_MEMBERS, id);
    }

    static long memberId(byte[] memberKey) {
        return getLong(memberKey, 1);
    }

    /** The prefix of every attachment of lease {@code id}; the user key follows it unescaped. */
    static byte[] attachedPrefix(long id) {
        return idKey(ATTACHED, id);
    }

    /** {@code kind} then {@code id}, 8 bytes big-endian. */
    private static byte[] idKey(byte kind, long id) {
        byte[] out = new byte[1 + REV_BYTES];
        out[0] = kind;
        putLong(out, 1, id);
        return out;
    }

    static byte[] attachedKey(long id, byte[] key) {
        byte[] out = Arrays.copyOf(attachedPrefix(id), 1 + REV_BYTES + key.length);
        System.arraycopy(key, 0, out, 1 + REV_BYTES, key.length);
        return out;
    }

    /** A user key for error messages: printable ASCII as is, anything else hex-escaped. */
    static String describe(byte[] key) {
        StringBuilder b = new StringBuilder("\"");
        for (byte x : key) {
            if (x >= 0x20 && x < 0x7F && x != '"' && x != '\\') {
                b.append((char) x);
            } else {
                b.append(String.format("\\x%02x", x & 0xFF));
            }
        }
        return b.append('"').toString();
    }

    static byte[] meta(String name) {
        byte[] n = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] out = new byte[1 + n.length];
        out[0] = META;
        System.arraycopy(n, 0, out, 1, n.length);
        return out;
    }

    static byte[] encodeLong(long v) {
        byte[] out = new byte[REV_BYTES];
        putLong(out, 0, v);
        return out;
    }

    static long decodeLong(byte[] b) {
        return getLong(b, 0);
    }

    /** True when two version entries belong to the same user key. */
    static boolean sameKey(byte[] a, byte[] b) {
        int la = a.length - REV_BYTES;
        return la == b.length - REV_BYTES && Arrays.equals(a, 0, la, b, 0, la);
    }

    private static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }
}
