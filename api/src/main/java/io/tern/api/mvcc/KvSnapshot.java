package io.tern.api.mvcc;

import io.tern.spi.storage.Snapshot;
import io.tern.spi.storage.StorageEngine;
import io.tern.spi.storage.WriteBatch;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A point-in-time copy of a store as one byte stream (etcd's Snapshot RPC and {@code snapshot save}), and
 * the way back into a store of any engine.
 *
 * <pre>
 *  body:    "TERNSNAP" u32(format=1)
 *           { u32(keyLength > 0) key u32(valueLength) value }   every stored entry, in key order
 *           u32(0) u64(entries) u64(revision)
 *           zero bytes up to a multiple of 512
 *  trailer: SHA-256 of the body (32 bytes)
 * </pre>
 *
 * The padding is etcd's: {@code etcdctl snapshot save} keeps a file only if its length is 32 more than a
 * multiple of 512 (a database of whole pages and the checksum).
 *
 * As with etcd, whoever sends the body appends the checksum ({@link #digest}), and a restore checks it
 * before the copy counts. A restore leaves out what belongs to the old cluster: member records, removed
 * members, the cluster id, alarms and the applied log index; the revision history, leases and auth stay.
 */
public final class KvSnapshot implements AutoCloseable {
    private static final byte[] MAGIC = "TERNSNAP".getBytes(StandardCharsets.US_ASCII);
    private static final int FORMAT = 1;
    /** Length of the SHA-256 trailer. */
    public static final int DIGEST_BYTES = 32;
    private static final int RESTORE_BATCH_BYTES = 4 << 20;
    private static final int ALIGNMENT = 512;
    private static final int PAGE_BYTES = 1 << 20;
    private static final int FIXED_BYTES = 8 + 4 + 4 + 8 + 8;

    private final Snapshot view;
    private final long revision;
    private long size = -1;

    private KvSnapshot(Snapshot view, long revision) {
        this.view = view;
        this.revision = revision;
    }

    /** Freezes {@code engine}'s contents now; close it to release what it pins. */
    static KvSnapshot of(StorageEngine engine) {
        Snapshot view = engine.snapshot();
        try {
            byte[] rev = view.get(KvStore.META_REVISION);
            return new KvSnapshot(view, rev == null ? 1 : KeyLayout.decodeLong(rev));
        } catch (RuntimeException e) {
            view.close();
            throw e;
        }
    }

    /** The store revision the copy holds. */
    public long revision() {
        return revision;
    }

    /** The body's length in bytes (without the checksum trailer); reads the whole copy once. */
    public long size() {
        if (size < 0) {
            long[] n = {FIXED_BYTES};
            view.scan(new byte[0], null, false, (k, v) -> {
                n[0] += 8 + k.length + v.length;
                return true;
            });
            size = n[0] + padding(n[0]);
        }
        return size;
    }

    /**
     * Writes the body to {@code out}; call {@link #digest} over the same bytes for the trailer. The copy is
     * read in pages of about {@value #PAGE_BYTES} bytes and each page written after its read has ended, so
     * a slow {@code out} (a client reading slowly) never holds up the engine inside a scan.
     */
    public void writeTo(OutputStream out) throws IOException {
        DataOutputStream data = new DataOutputStream(out);
        data.write(MAGIC);
        data.writeInt(FORMAT);
        long entries = 0;
        long bytes = FIXED_BYTES;
        byte[] from = new byte[0];
        boolean more = true;
        while (more) {
            List<byte[]> page = new ArrayList<>();
            long[] pageBytes = {0};
            boolean[] full = {false};
            view.scan(from, null, false, (k, v) -> {
                if (pageBytes[0] >= PAGE_BYTES) {
                    full[0] = true;
                    return false;
                }
                page.add(k);
                page.add(v);
                pageBytes[0] += k.length + v.length;
                return true;
            });
            for (int i = 0; i < page.size(); i += 2) {
                byte[] k = page.get(i);
                byte[] v = page.get(i + 1);
                data.writeInt(k.length);
                data.write(k);
                data.writeInt(v.length);
                data.write(v);
                bytes += 8 + k.length + v.length;
                entries++;
            }
            more = full[0];
            if (more) {
                // The next page starts just past the last key: that key followed by a zero byte.
                from = Arrays.copyOf(page.get(page.size() - 2), page.get(page.size() - 2).length + 1);
            }
        }
        data.writeInt(0);
        data.writeLong(entries);
        data.writeLong(revision);
        data.write(new byte[padding(bytes)]);
        data.flush();
    }

    private static int padding(long unpadded) {
        return (int) ((ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT);
    }

    /** A fresh SHA-256, the trailer's algorithm. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    @Override
    public void close() {
        view.close();
    }

    /**
     * What a snapshot file holds.
     *
     * @param revision the store revision it was taken at
     * @param entries  stored entries in it (versions, change log, leases, metadata)
     * @param bytes    the body's length
     * @param crc      CRC-32C of the body, a short fingerprint to compare copies by
     */
    public record Summary(long revision, long entries, long bytes, int crc) {
    }

    /** Reads a whole snapshot, checking its format and checksum, without storing it. */
    public static Summary inspect(InputStream in, boolean checkDigest) throws IOException {
        return read(in, checkDigest, null);
    }

    /**
     * Writes the snapshot in {@code in} into {@code target}, an empty engine, leaving out the old cluster's
     * parts (see above). Fails on a damaged stream or, when {@code checkDigest}, a wrong checksum; the
     * target then holds part of the copy, so the caller discards it.
     */
    public static Summary restore(InputStream in, StorageEngine target, boolean checkDigest) throws IOException {
        Summary s = read(in, checkDigest, target);
        target.sync();
        return s;
    }

    private static Summary read(InputStream raw, boolean checkDigest, StorageEngine target) throws IOException {
        MessageDigest sha = digest();
        CRC32C crc = new CRC32C();
        CountingStream counted = new CountingStream(new DigestInputStream(raw, sha), crc);
        DataInputStream in = new DataInputStream(counted);
        byte[] magic = new byte[MAGIC.length];
        readFully(in, magic, "header");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new IOException("not a Tern snapshot (it does not start with TERNSNAP)");
        }
        int format = in.readInt();
        if (format != FORMAT) {
            throw new IOException("unknown Tern snapshot format " + format + " (this build reads " + FORMAT + ")");
        }
        WriteBatch batch = new WriteBatch();
        long batchBytes = 0;
        long entries = 0;
        while (true) {
            int keyLength = readLength(in);
            if (keyLength == 0) {
                break;
            }
            byte[] key = readBytes(in, keyLength, entries);
            byte[] value = readBytes(in, readLength(in), entries);
            entries++;
            if (target != null && belongsToTheCluster(key)) {
                batch.put(key, value);
                batchBytes += key.length + value.length;
                if (batchBytes >= RESTORE_BATCH_BYTES) {
                    target.write(batch);
                    batch.clear();
                    batchBytes = 0;
                }
            }
        }
        long count = in.readLong();
        long revision = in.readLong();
        if (count != entries) {
            throw new IOException("snapshot damaged: it says " + count + " entries but holds " + entries);
        }
        byte[] pad = readBytes(in, padding(counted.count), entries);
        for (byte b : pad) {
            if (b != 0) {
                throw new IOException("snapshot damaged: non-zero padding");
            }
        }
        long bodyBytes = counted.count;
        int bodyCrc = (int) crc.getValue();
        byte[] expected = sha.digest();
        byte[] trailer = raw.readNBytes(DIGEST_BYTES);
        if (checkDigest) {
            if (trailer.length != DIGEST_BYTES) {
                throw new IOException("snapshot lacks its SHA-256 trailer (truncated?)");
            }
            if (!MessageDigest.isEqual(trailer, expected)) {
                throw new IOException("snapshot damaged: checksum mismatch");
            }
            if (raw.read() != -1) {
                throw new IOException("snapshot has bytes after its checksum");
            }
        }
        if (target != null && !batch.isEmpty()) {
            target.write(batch);
        }
        return new Summary(revision, entries, bodyBytes, bodyCrc);
    }

    /** Entries of the old cluster's membership and log position, which a restored cluster makes anew. */
    private static boolean belongsToTheCluster(byte[] key) {
        return key[0] != KeyLayout.MEMBERS && key[0] != KeyLayout.REMOVED_MEMBERS
                && !Arrays.equals(key, KvStore.META_CLUSTER_ID) && !Arrays.equals(key, KvStore.META_APPLIED)
                && !Arrays.equals(key, KvStore.META_ALARMS);
    }

    private static int readLength(DataInputStream in) throws IOException {
        int n;
        try {
            n = in.readInt();
        } catch (EOFException e) {
            throw new IOException("snapshot damaged or truncated: it ends inside its entries", e);
        }
        if (n < 0) {
            throw new IOException("snapshot damaged: negative length " + n);
        }
        return n;
    }

    /** Reads a length-prefixed field; a damaged length cannot make it allocate more than the stream holds. */
    private static byte[] readBytes(DataInputStream in, int length, long entry) throws IOException {
        byte[] b = in.readNBytes(length);
        if (b.length != length) {
            throw new IOException("snapshot damaged or truncated: entry " + entry + " ends early");
        }
        return b;
    }

    private static void readFully(DataInputStream in, byte[] into, String what) throws IOException {
        try {
            in.readFully(into);
        } catch (EOFException e) {
            throw new IOException("snapshot damaged or truncated in its " + what, e);
        }
    }

    /** Counts and CRCs the body's bytes as they are read. */
    private static final class CountingStream extends java.io.FilterInputStream {
        private final CRC32C crc;
        long count;

        CountingStream(InputStream in, CRC32C crc) {
            super(in);
            this.crc = crc;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
                crc.update(b);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
                crc.update(b, off, n);
            }
            return n;
        }
    }
}
