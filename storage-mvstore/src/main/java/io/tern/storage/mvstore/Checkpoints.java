package io.tern.storage.mvstore;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.storage.FileSync;
import io.tern.spi.storage.StorageException;
import io.tern.spi.storage.StoreDirectories;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Checkpoints of an MVStore engine: one file, {@value #FILE_NAME}, holding a snapshot's entries as a sorted
 * stream, and the way back from such a file to a data directory ({@link #restore}).
 *
 * <p>The stream is written from a {@link MVStoreSnapshot}, so writers are never blocked and the copy is
 * exactly the snapshot's state. It is not an MVStore file: building one costs a B-tree insert and page
 * serialization per entry, several times the cost of the scan, and checkpoints are taken every
 * {@code --snapshot-count} entries on every member while restores are rare (a member installing a snapshot).
 * The file is built in {@code <target>.partial}, forced to disk, and only then renamed to {@code target},
 * so a crash never leaves a {@code target} that looks complete but is not.
 *
 * <h2>Format</h2>
 * <pre>
 *   "TERNMVC1"                                magic and format version
 *   (int keyLength, key, int valueLength, value)*   in ascending unsigned key order
 *   int -1, long entryCount, int crc32c      crc of every byte before it
 * </pre>
 */
final class Checkpoints {
    static final String FILE_NAME = "tern.checkpoint";
    private static final byte[] MAGIC = "TERNMVC1".getBytes(StandardCharsets.US_ASCII);
    private static final int END = -1;
    private static final int BUFFER = 1 << 20;

    private Checkpoints() {
    }

    /** Writes the checkpoint; {@code midway} is passed once the first entry is written. */
    static void write(MVStoreSnapshot snapshot, Path target, String source, Failpoint midway) {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Path partial = parent.resolve(absolute.getFileName() + ".partial");
        try {
            Files.createDirectories(parent);
            if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new StorageException("checkpoint target " + target + " already exists");
            }
            Files.createDirectory(partial);
        } catch (FileAlreadyExistsException e) {
            throw new StorageException("cannot checkpoint to " + target + ": " + partial
                    + " exists, probably left by an interrupted checkpoint; delete it", e);
        } catch (IOException e) {
            throw new StorageException("cannot checkpoint " + source + " to " + target + ": " + e, e);
        }
        try {
            Path file = partial.resolve(FILE_NAME);
            writeStream(snapshot, file, midway);
            FileSync.force(file);
            FileSync.forceDirectory(partial);
            Files.move(partial, absolute, StandardCopyOption.ATOMIC_MOVE);
            FileSync.forceDirectory(parent);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(partial, e);
            throw e instanceof StorageException se ? se
                    : new StorageException("checkpoint of " + source + " to " + target + " failed: " + e, e);
        }
    }

    private static void writeStream(MVStoreSnapshot snapshot, Path file, Failpoint midway) throws IOException {
        CRC32C crc = new CRC32C();
        try (OutputStream raw = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
             DataOutputStream out = new DataOutputStream(
                     new BufferedOutputStream(new CheckedOutputStream(raw, crc), BUFFER))) {
            out.write(MAGIC);
            long[] count = {0};
            IOException[] failed = {null};
            snapshot.scan(new byte[0], null, false, (key, value) -> {
                try {
                    out.writeInt(key.length);
                    out.write(key);
                    out.writeInt(value.length);
                    out.write(value);
                    if (count[0]++ == 0) {
                        out.flush();
                        midway.hit();
                    }
                    return true;
                } catch (IOException e) {
                    failed[0] = e;
                    return false;
                }
            });
            if (failed[0] != null) {
                throw failed[0];
            }
            out.writeInt(END);
            out.writeLong(count[0]);
            out.flush();
            // The checksum covers everything written so far; it is written past the checked stream.
            ByteBuffer tail = ByteBuffer.allocate(Integer.BYTES).putInt(0, (int) crc.getValue());
            raw.write(tail.array());
        }
    }

    /**
     * Replaces {@code directory} with an engine directory holding the checkpoint's entries. The new store is
     * built beside it ({@link StoreDirectories#building}) in one pass over the checkpoint that also checks its
     * checksum; {@code directory} is replaced only once that store is complete and closed, so a crash never
     * leaves it half restored. {@code midway} is passed once the first entry is committed to the new store.
     */
    static void restore(Path checkpoint, Path directory, Failpoint midway) {
        Path source = checkpoint.toAbsolutePath().normalize();
        Path target = directory.toAbsolutePath().normalize();
        Path building = StoreDirectories.building(target);
        Path file = source.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new StorageException("cannot restore " + target + ": " + source + " is not an mvstore checkpoint"
                    + " (it has no " + FILE_NAME + ")");
        }
        if (source.startsWith(target) || target.startsWith(source) || source.startsWith(building)) {
            throw new StorageException("cannot restore " + target + " from " + source + ": the paths overlap");
        }
        try {
            StoreDirectories.deleteTree(building); // left by an interrupted restore
            Files.createDirectories(building);
        } catch (IOException e) {
            throw new StorageException("restoring " + target + " from " + source + " failed: " + e, e);
        }
        Path storeFile = building.resolve(StoreFormat.FILE_NAME);
        MVStore store = new MVStore.Builder().fileName(storeFile.toString()).autoCommitDisabled().open();
        try {
            MVMap<byte[], byte[]> map = StoreFormat.openMap(store, storeFile);
            long[] entries = {0};
            read(file, (key, value) -> {
                map.put(key, value);
                if (entries[0]++ == 0) {
                    store.commit();
                    midway.hit();
                }
            });
            store.commit();
            store.sync();
            store.close();
        } catch (RuntimeException e) {
            store.closeImmediately();
            deleteQuietly(building, e);
            throw e instanceof StorageException se ? se
                    : new StorageException("restoring " + target + " from " + source + " failed: " + e, e);
        }
        try {
            StoreDirectories.replace(target);
        } catch (IOException e) {
            throw new StorageException("restoring " + target + " from " + source + " failed: " + e, e);
        }
    }

    /** Hands every entry of a checkpoint file to {@code sink}; a damaged or truncated file fails. */
    private static void read(Path file, BiConsumer<byte[], byte[]> sink) {
        CRC32C crc = new CRC32C();
        try (InputStream raw = Files.newInputStream(file);
             BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER)) {
            DataInputStream in = new DataInputStream(new CheckedInputStream(buffered, crc));
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw damaged(file, "it does not start with " + new String(MAGIC, StandardCharsets.US_ASCII));
            }
            long count = 0;
            long size = Files.size(file);
            for (int keyLength = in.readInt(); keyLength != END; keyLength = in.readInt()) {
                byte[] key = readBytes(in, keyLength, size, file);
                byte[] value = readBytes(in, in.readInt(), size, file);
                sink.accept(key, value);
                count++;
            }
            long recorded = in.readLong();
            int expected = (int) crc.getValue();
            int stored = new DataInputStream(buffered).readInt();
            if (recorded != count || stored != expected || buffered.read() != -1) {
                throw damaged(file, "its entry count or checksum does not match its contents");
            }
        } catch (EOFException e) {
            throw damaged(file, "it ends early");
        } catch (IOException e) {
            throw new StorageException("cannot read checkpoint " + file + ": " + e, e);
        }
    }

    private static byte[] readBytes(DataInputStream in, int length, long fileSize, Path file) throws IOException {
        if (length < 0 || length > fileSize) {
            throw damaged(file, "it holds an impossible length " + length);
        }
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new EOFException();
        }
        return bytes;
    }

    private static StorageException damaged(Path file, String why) {
        return new StorageException("checkpoint " + file + " is damaged: " + why);
    }

    private static void deleteQuietly(Path dir, Exception cause) {
        try {
            StoreDirectories.deleteTree(dir);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }
}
