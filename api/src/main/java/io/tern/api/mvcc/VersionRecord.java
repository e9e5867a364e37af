package io.tern.api.mvcc;

import com.google.protobuf.ByteString;
import io.tern.api.proto.mvccpb.KeyValue;

/**
 * The stored form of one version of a key: a tombstone, or a live value with its create revision,
 * version and lease. The key and mod revision come from the storage key.
 *
 * <pre> [0x01 varint(create) varint(version) varint(lease) value...] | [0x02] </pre>
 */
record VersionRecord(boolean tombstone, long createRevision, long version, long lease, byte[] value) {
    private static final byte LIVE = 1;
    private static final byte TOMBSTONE = 2;
    static final byte[] TOMBSTONE_BYTES = {TOMBSTONE};

    static byte[] live(long createRevision, long version, long lease, byte[] value) {
        byte[] out = new byte[1 + 3 * 10 + value.length];
        out[0] = LIVE;
        int p = writeVarLong(out, 1, createRevision);
        p = writeVarLong(out, p, version);
        p = writeVarLong(out, p, lease);
        System.arraycopy(value, 0, out, p, value.length);
        return p + value.length == out.length ? out : java.util.Arrays.copyOf(out, p + value.length);
    }

    static boolean isTombstone(byte[] stored) {
        return stored[0] == TOMBSTONE;
    }

    static VersionRecord decode(byte[] stored) {
        if (stored[0] == TOMBSTONE) {
            return new VersionRecord(true, 0, 0, 0, null);
        }
        if (stored[0] != LIVE) {
            throw new IllegalStateException("corrupt version record: type byte " + stored[0]);
        }
        long[] pos = {1};
        long create = readVarLong(stored, pos);
        long version = readVarLong(stored, pos);
        long lease = readVarLong(stored, pos);
        int p = (int) pos[0];
        return new VersionRecord(false, create, version, lease, java.util.Arrays.copyOfRange(stored, p, stored.length));
    }

    /** The etcd view of this version; {@code keysOnly} leaves the value out. */
    KeyValue toKeyValue(byte[] key, long modRevision, boolean keysOnly) {
        KeyValue.Builder b = KeyValue.newBuilder()
                .setKey(ByteString.copyFrom(key))
                .setCreateRevision(createRevision)
                .setModRevision(modRevision)
                .setVersion(version)
                .setLease(lease);
        if (!keysOnly) {
            b.setValue(ByteString.copyFrom(value));
        }
        return b.build();
    }

    private static int writeVarLong(byte[] out, int p, long v) {
        while ((v & ~0x7FL) != 0) {
            out[p++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out[p++] = (byte) v;
        return p;
    }

    private static long readVarLong(byte[] in, long[] pos) {
        long v = 0;
        int shift = 0;
        int p = (int) pos[0];
        while (true) {
            byte b = in[p++];
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
            shift += 7;
        }
        pos[0] = p;
        return v;
    }
}
