package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Hands proposals to jraft on the leader, packing several into one log entry once the leader is busy.
 * jraft pays per entry (a log record and its checksum, replication metadata, a step of the apply iterator,
 * a closure); under load those costs are paid once per pack instead of once per proposal.
 *
 * <p>Up to {@link #WINDOW} entries go to jraft at once, so a few callers never wait for each other. A
 * proposal that arrives while that many are in flight waits, and everything waiting goes as one entry when
 * one in flight finishes: the busier the leader, the bigger the packs. A batch a follower forwards (see
 * {@link Forwarder}) is packed as it comes.
 *
 * <p>A packed entry is {@code 0x00 0x01}, the command count (4 bytes), then per command its length (4 bytes)
 * and bytes. A command may not be empty or start with {@code 0x00}, so an entry starting with {@code 0x00}
 * is a pack and every other non-empty entry a single command, as every entry written before packs existed.
 */
final class Packer {
    static final byte MARK = 0;
    static final byte VERSION = 1;
    private static final int HEADER_BYTES = 2 + 4;
    /** Most command bytes in one pack; a larger command goes alone. */
    static final int MAX_PACK_BYTES = 1 << 20;
    /** Most commands in one pack. */
    static final int MAX_PACK_COMMANDS = 1024;
    /**
     * Entries in flight before proposals wait to be packed. Measured on three members under put load
     * (see the README): 1 made a few clients wait for each other's commits, 4 packed about ten puts per
     * entry at 100 clients.
     */
    static final int WINDOW = 4;

    private final Supplier<Node> node;
    /** Entries this packer may have in jraft (appended, not yet applied) before proposals wait to be packed. */
    private final int window;
    private final Object lock = new Object();
    /** Entries handed to jraft whose closure has not run; guarded by {@link #lock}. */
    private int inFlight;
    /** Proposals waiting for an entry in flight to finish; guarded by {@link #lock}. */
    private final java.util.ArrayDeque<ProposalClosure.Proposal> waiting = new java.util.ArrayDeque<>();

    Packer(Supplier<Node> node) {
        this(node, WINDOW);
    }

    /** @param window entries in flight at most before new proposals wait and are packed together */
    Packer(Supplier<Node> node, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the window needs at least one entry, got " + window);
        }
        this.node = node;
        this.window = window;
    }

    /**
     * Appends the proposals' commands through this member, which should lead, in order. While fewer than the
     * window's entries are in flight they go at once, as few entries as the pack limits allow (a lone command
     * as a plain entry); beyond that they wait, and whatever waits goes as one pack when an entry in flight
     * finishes. Each proposal's {@code done} gets its outcome as for a jraft task (EPERM "Is not leader..."
     * when it was not appended).
     *
     * @throws IllegalArgumentException when a command is empty or starts with {@code 0x00}; nothing is appended
     */
    void apply(List<ProposalClosure.Proposal> proposals) {
        for (ProposalClosure.Proposal p : proposals) {
            byte[] command = p.command();
            if (command.length == 0 || command[0] == MARK) {
                throw new IllegalArgumentException("a command must be non-empty and not start with 0x00 (got "
                        + command.length + " bytes)");
            }
        }
        List<List<ProposalClosure.Proposal>> packs;
        synchronized (lock) {
            if (inFlight >= window || !waiting.isEmpty()) {
                waiting.addAll(proposals);
                return;
            }
            packs = packs(proposals);
            inFlight += packs.size();
        }
        packs.forEach(this::submit);
    }

    /** An entry this packer submitted has finished (applied or failed): what waits goes now. */
    private void finished() {
        List<List<ProposalClosure.Proposal>> packs;
        synchronized (lock) {
            inFlight--;
            if (waiting.isEmpty()) {
                return;
            }
            packs = packs(List.copyOf(waiting));
            waiting.clear();
            inFlight += packs.size();
        }
        packs.forEach(this::submit);
    }

    private static List<List<ProposalClosure.Proposal>> packs(List<ProposalClosure.Proposal> proposals) {
        List<List<ProposalClosure.Proposal>> packs = new ArrayList<>();
        int from = 0;
        while (from < proposals.size()) {
            int to = from + 1;
            long bytes = proposals.get(from).command().length;
            while (to < proposals.size() && to - from < MAX_PACK_COMMANDS
                    && bytes + proposals.get(to).command().length <= MAX_PACK_BYTES) {
                bytes += proposals.get(to).command().length;
                to++;
            }
            packs.add(List.copyOf(proposals.subList(from, to)));
            from = to;
        }
        return packs;
    }

    private void submit(List<ProposalClosure.Proposal> pack) {
        ProposalClosure closure = new ProposalClosure(pack, this::finished);
        Node n = node.get();
        if (n == null) {
            closure.run(new Status(RaftError.EPERM, "Is not leader: the member is not running"));
            return;
        }
        ByteBuffer data = pack.size() == 1 ? ByteBuffer.wrap(pack.get(0).command()) : encode(pack);
        try {
            n.apply(new Task(data, closure));
        } catch (IllegalStateException shuttingDown) {
            // jraft has handed the closure ENODESHUTDOWN already; the packs after this one still get theirs.
        }
    }

    static ByteBuffer encode(List<ProposalClosure.Proposal> pack) {
        int size = HEADER_BYTES;
        for (ProposalClosure.Proposal p : pack) {
            size += 4 + p.command().length;
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(MARK).put(VERSION).putInt(pack.size());
        for (ProposalClosure.Proposal p : pack) {
            out.putInt(p.command().length).put(p.command());
        }
        return out.flip();
    }

    /** True when {@code data} (a non-empty entry) is a pack. */
    static boolean packed(ByteBuffer data) {
        return data.get(data.position()) == MARK;
    }

    /**
     * The commands of a packed entry, in order.
     *
     * @throws IllegalStateException when the entry is not a well-formed pack of a known version
     */
    static List<byte[]> commands(ByteBuffer entry, long index) {
        ByteBuffer in = entry.duplicate();
        if (in.remaining() < HEADER_BYTES || in.get() != MARK) {
            throw malformed(index, "no pack header");
        }
        byte version = in.get();
        if (version != VERSION) {
            throw malformed(index, "pack version " + version + " unknown");
        }
        int count = in.getInt();
        if (count < 1 || count > in.remaining() / 4) {
            throw malformed(index, "count " + count + " for " + in.remaining() + " bytes");
        }
        List<byte[]> commands = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (in.remaining() < 4) {
                throw malformed(index, "command " + i + " of " + count + " cut short");
            }
            int length = in.getInt();
            if (length < 1 || length > in.remaining()) {
                throw malformed(index, "command " + i + " of " + count + " has length " + length + ", "
                        + in.remaining() + " bytes left");
            }
            byte[] c = new byte[length];
            in.get(c);
            commands.add(c);
        }
        if (in.hasRemaining()) {
            throw malformed(index, in.remaining() + " bytes after " + count + " commands");
        }
        return commands;
    }

    private static IllegalStateException malformed(long index, String why) {
        return new IllegalStateException("log entry " + index + " is not a well-formed pack: " + why);
    }
}
