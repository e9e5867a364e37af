package io.tern.consensus.jraft;

import java.nio.ByteBuffer;

/**
 * The engine's envelope around a proposed command: who proposed it (a random number per engine
 * instance) and the proposer's sequence number. A member that proposed through the leader finds its own
 * entries by it when they are applied locally, to answer its caller there.
 * <pre>
 *  [origin: 8 bytes][sequence: 8 bytes][command ...]
 * </pre>
 *
 * @param origin   the proposing engine instance's random id
 * @param sequence the proposal's number within that instance
 * @param command  the state machine's bytes
 */
record EntryFrame(long origin, long sequence, byte[] command) {
    static final int HEADER = 16;

    static byte[] encode(long origin, long sequence, byte[] command) {
        return ByteBuffer.allocate(HEADER + command.length).putLong(origin).putLong(sequence).put(command).array();
    }

    /** Reads a frame from {@code data} without consuming it. */
    static EntryFrame decode(ByteBuffer data, long index) {
        ByteBuffer b = data.duplicate();
        if (b.remaining() < HEADER) {
            throw new IllegalStateException("log entry " + index + " has " + b.remaining()
                    + " bytes, less than the engine's " + HEADER + "-byte header");
        }
        long origin = b.getLong();
        long sequence = b.getLong();
        byte[] command = new byte[b.remaining()];
        b.get(command);
        return new EntryFrame(origin, sequence, command);
    }
}
