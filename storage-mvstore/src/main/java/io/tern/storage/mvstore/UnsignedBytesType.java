package io.tern.storage.mvstore;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

/**
 * Byte arrays in MVStore pages, ordered as the SPI orders keys: unsigned, lexicographic, a prefix before its
 * extensions. Stored as a variable-length int length followed by the bytes; this layout is part of the file
 * format, so changing it needs a new format number in {@link MVStoreStorageEngine}.
 */
final class UnsignedBytesType extends BasicDataType<byte[]> {
    static final UnsignedBytesType INSTANCE = new UnsignedBytesType();

    /** Rough heap cost of an array besides its bytes (header and length), for MVStore's memory accounting. */
    private static final int ARRAY_OVERHEAD = 16;

    private UnsignedBytesType() {
    }

    @Override
    public int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    @Override
    public int getMemory(byte[] data) {
        return ARRAY_OVERHEAD + data.length;
    }

    @Override
    public void write(WriteBuffer buff, byte[] data) {
        buff.putVarInt(data.length).put(data);
    }

    @Override
    public byte[] read(ByteBuffer buff) {
        int length = DataUtils.readVarInt(buff);
        byte[] data = new byte[length];
        buff.get(data);
        return data;
    }

    @Override
    public byte[][] createStorage(int size) {
        return new byte[size][];
    }
}
