package io.tern.spi.storage;

/**
 * Size figures of an engine.
 *
 * @param totalBytes bytes the engine occupies on disk (etcd's {@code dbSize}), counting every written batch at
 *                   once, before the engine's own sync or commit stores it: the backend quota reads it
 * @param inUseBytes bytes holding live data, an engine's best estimate (etcd's {@code dbSizeInUse});
 *                   never more than {@code totalBytes}
 */
public record StorageStats(long totalBytes, long inUseBytes) {
    public StorageStats {
        if (totalBytes < 0 || inUseBytes < 0 || inUseBytes > totalBytes) {
            throw new IllegalArgumentException("bad sizes: total=" + totalBytes + " inUse=" + inUseBytes);
        }
    }
}
