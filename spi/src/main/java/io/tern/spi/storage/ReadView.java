package io.tern.spi.storage;

/**
 * Read access to an ordered byte-key store. Keys compare as unsigned bytes, lexicographically.
 *
 * <p>Arrays passed in are not retained; arrays handed out belong to the caller.
 */
public interface ReadView {

    /** Returns the value stored under {@code key}, or {@code null} when there is none. */
    byte[] get(byte[] key);

    /**
     * Visits the entries with {@code from <= key < to} in ascending key order, or descending when
     * {@code reverse} is set, until the visitor returns {@code false}. A range with {@code from >= to} is
     * empty. An exception thrown by the visitor ends the scan and reaches the caller unchanged.
     *
     * @param from inclusive lower bound, never null; an empty array is the start of the key space
     * @param to   exclusive upper bound; {@code null} means the end of the key space
     */
    void scan(byte[] from, byte[] to, boolean reverse, EntryVisitor visitor);
}
