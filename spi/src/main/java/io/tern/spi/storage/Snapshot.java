package io.tern.spi.storage;

/**
 * A read view frozen at the moment it was taken: batches written afterwards are not seen.
 * Must be closed; an open snapshot may pin old data in the engine. May be read from several threads.
 */
public interface Snapshot extends ReadView, AutoCloseable {
    /**
     * Releases what the snapshot pins. Idempotent. Reads after this, or after the engine is closed,
     * throw {@link StorageException}.
     */
    @Override
    void close();
}
