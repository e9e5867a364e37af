package io.tern.spi.storage.memory;

import io.tern.spi.storage.Bytes;
import io.tern.spi.storage.StorageException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * The memory engine's checkpoint file.
 *
 * <pre>
 * "TERNMEM1"                          8 bytes of magic
 * count                               int
 * count x (keyLength key valueLength value)   ints and raw bytes, keys ascending
 * crc                                 long, CRC-32 of every byte before it
 * </pre>
 */
final class CheckpointFile {
    static final String NAME = "tern-memory.bin";
    private static final byte[] MAGIC = "TERNMEM1".getBytes(StandardCharsets.US_ASCII);

    private CheckpointFile() {
    }

    /** Writes {@code entries} to {@code file}, which must not exist, and forces it to disk. */
    static void write(NavigableMap<byte[], byte[]> entries, Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            CRC32 crc = new CRC32();
            DataOutputStream out = new DataOutputStream(new CheckedOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(channel)), crc));
            out.write(MAGIC);
            out.writeInt(entries.size());
            for (Map.Entry<byte[], byte[]> e : entries.entrySet()) {
                out.writeInt(e.getKey().length);
                out.write(e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
            long sum = crc.getValue(); // taken before the checksum's own bytes pass through
            out.writeLong(sum);
            out.flush();
            channel.force(true);
        } catch (IOException e) {
            throw new StorageException("writing memory checkpoint " + file + " failed: " + e, e);
        }
    }

    /** Reads a file written by {@link #write}; a damaged file fails with its path and what is wrong. */
    static NavigableMap<byte[], byte[]> read(Path file) {
        try (InputStream raw = new BufferedInputStream(Channels.newInputStream(FileChannel.open(file)))) {
            CRC32 crc = new CRC32();
            DataInputStream in = new DataInputStream(new CheckedInputStream(raw, crc));
            byte[] magic = in.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new StorageException(file + " is not a memory engine checkpoint (bad magic)");
            }
            int count = in.readInt();
            if (count < 0) {
                throw new StorageException(file + " is damaged: negative entry count " + count);
            }
            TreeMap<byte[], byte[]> entries = new TreeMap<>(Bytes.ORDER);
            for (int i = 0; i < count; i++) {
                entries.put(readArray(in, file), readArray(in, file));
            }
            long expected = crc.getValue(); // taken before the checksum's own bytes pass through
            long stored = in.readLong();
            if (stored != expected || in.read() != -1) {
                throw new StorageException(file + " is damaged: checksum mismatch or trailing bytes");
            }
            return entries;
        } catch (EOFException e) {
            throw new StorageException(file + " is damaged: it ends early", e);
        } catch (IOException e) {
            throw new StorageException("reading memory checkpoint " + file + " failed: " + e, e);
        }
    }

    private static byte[] readArray(DataInputStream in, Path file) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new StorageException(file + " is damaged: negative array length " + length);
        }
        byte[] b = in.readNBytes(length);
        if (b.length != length) {
            throw new EOFException();
        }
        return b;
    }
}
