package io.tern.spi.storage;

/**
 * Size figures of an engine.
 *
 * @param totalBytes bytes the engine occupies on disk (etcd's {@code dbSize})
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
