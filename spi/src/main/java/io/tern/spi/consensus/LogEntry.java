package io.tern.spi.consensus;

/**
 * A committed command. {@code data} is the proposer's bytes, unchanged; it must not be modified.
 *
 * @param index the position in the replicated log of the entry that carried the command, from 1; it
 *              increases from command to command, except that the commands an engine packed into one log
 *              entry share it
 * @param term  the leader term under which the entry was appended
 */
public record LogEntry(long index, long term, byte[] data) {
}
