package io.tern.spi.storage;

import java.nio.file.Path;

/**
 * An ordered byte-key store on local disk.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>{@link #write} is atomic: readers see all of a batch or none of it, and after a crash the store
 *       holds a prefix of the written batches, never part of one.</li>
 *   <li>{@link #write} need not be durable when it returns: the caller's replicated log is. A crash may
 *       lose a suffix of batches unless {@link #sync} returned after them.</li>
 *   <li>Reads on the engine itself see every batch whose {@code write} has returned.</li>
 *   <li>Writes come from one thread at a time; reads and snapshots may come from any thread.</li>
 * </ul>
 * Failures are reported as {@link StorageException}, never as a {@code false} or {@code null} result.
 */
public interface StorageEngine extends ReadView, AutoCloseable {

    /** Applies every mutation of {@code batch} atomically. The batch may be reused after this returns. */
    void write(WriteBatch batch);

    /** A consistent view as of now. */
    Snapshot snapshot();

    /** Makes every batch written so far durable. */
    void sync();

    /**
     * Writes a consistent, durable copy of the current contents to {@code target}, a directory that must
     * not exist yet (missing parents are created). {@link StorageProvider#restore} turns such a copy back
     * into a data directory. Batches written while this runs may or may not be in the copy, never in part.
     */
    void checkpoint(Path target);

    /**
     * Gives back disk space held by deleted and overwritten entries (etcd's defragment), as far as the
     * engine can; contents do not change. Reads and writes from other threads go on while it runs; it may
     * hold them up briefly, never for the whole run. An engine with nothing to give back returns at once.
     */
    void defragment();

    /** Sizes as etcd reports them for its backend. */
    StorageStats stats();

    /**
     * Closes the engine and every snapshot still open on it. Idempotent. A clean close keeps every batch
     * written before it (a persistent engine shows them all when opened again); any other call made after
     * it throws {@link StorageException}.
     */
    @Override
    void close();
}
