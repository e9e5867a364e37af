package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Node;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.entity.PeerId;
import com.alipay.sofa.jraft.entity.Task;
import com.alipay.sofa.jraft.error.RaftError;
import io.tern.spi.consensus.ConsensusException;
import io.tern.spi.consensus.PeerAddress;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Gets proposals into the log from any member. On the leader a proposal is a jraft task whose closure
 * carries the applied result. A follower frames the command with its own origin and sequence number,
 * forwards it to the leader, and answers its caller when its own state machine applies the entry, so
 * the caller can read its write on the member it asked.
 *
 * <p>A proposal the leader refused without appending it (it was not leader, or was handing leadership
 * over) is sent again to whoever leads next; one that may have been appended fails instead, since
 * sending it again could apply it twice.
 */
final class Proposals {
    private static final long RETRY_MS = 20;

    private final long origin = new SecureRandom().nextLong();
    private final AtomicLong sequence = new AtomicLong();
    private final Map<Long, CompletableFuture<Object>> waiting = new ConcurrentHashMap<>();
    private final Supplier<Node> node;
    private final PeerAddress self;
    private final PeerChannel channel;
    private final ScheduledExecutorService timer;
    private final long leaderWaitNanos;

    /**
     * @param leaderWait how long a proposal waits for a leader to be known (or to accept it) before it
     *                   fails with {@link ConsensusException.Reason#NO_LEADER}
     */
    Proposals(Supplier<Node> node, PeerAddress self, PeerChannel channel, ScheduledExecutorService timer,
              long leaderWaitMillis) {
        this.node = node;
        this.self = self;
        this.channel = channel;
        this.timer = timer;
        this.leaderWaitNanos = TimeUnit.MILLISECONDS.toNanos(leaderWaitMillis);
    }

    CompletableFuture<Object> propose(byte[] command) {
        long seq = sequence.incrementAndGet();
        byte[] entry = EntryFrame.encode(origin, seq, command);
        CompletableFuture<Object> f = new CompletableFuture<>();
        f.whenComplete((r, t) -> waiting.remove(seq));
        submit(entry, seq, f, System.nanoTime() + leaderWaitNanos);
        return f;
    }

    /** Called by the FSM after applying an entry: completes a proposal this instance forwarded. */
    void applied(EntryFrame frame, Object result) {
        if (frame.origin() == origin) {
            CompletableFuture<Object> f = waiting.remove(frame.sequence());
            if (f != null) {
                f.complete(result);
            }
        }
    }

    /** The leader's side of a forwarded proposal: completes once applied here, or fails with the reason. */
    CompletableFuture<Void> appendForwarded(byte[] entry) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Node n = node.get();
        if (n == null) {
            f.completeExceptionally(new ConsensusException(ConsensusException.Reason.NOT_LEADER, "not running"));
            return f;
        }
        n.apply(new Task(ByteBuffer.wrap(entry), status -> {
            if (status.isOk()) {
                f.complete(null);
            } else {
                f.completeExceptionally(notAppended(status)
                        ? new ConsensusException(ConsensusException.Reason.NOT_LEADER, status.getErrorMsg())
                        : JRaftConsensusEngine.failure(status));
            }
        }));
        return f;
    }

    private void submit(byte[] entry, long seq, CompletableFuture<Object> f, long deadline) {
        if (f.isDone()) {
            return;
        }
        Node n = node.get();
        PeerId leader = n == null ? null : n.getLeaderId();
        if (leader == null || leader.isEmpty()) {
            retryOrFail(entry, seq, f, deadline);
            return;
        }
        PeerAddress to = new PeerAddress(leader.getIp(), leader.getPort());
        if (to.equals(self)) {
            n.apply(new Task(ByteBuffer.wrap(entry), new ProposalClosure((result, status) -> {
                if (status.isOk()) {
                    f.complete(result);
                } else if (notAppended(status)) {
                    retryOrFail(entry, seq, f, deadline);
                } else {
                    f.completeExceptionally(JRaftConsensusEngine.failure(status));
                }
            })));
            return;
        }
        waiting.put(seq, f);
        channel.forward(to, entry).whenComplete((v, t) -> {
            if (t == null) {
                return; // appended and applied on the leader; this member's own apply answers
            }
            Throwable c = t.getCause() != null && !(t instanceof ConsensusException) ? t.getCause() : t;
            if (c instanceof ConsensusException ce && (ce.reason() == ConsensusException.Reason.NOT_LEADER
                    || ce.reason() == ConsensusException.Reason.UNREACHABLE)) {
                // Not appended: the leader refused it, or it never arrived (a connection that fails after
                // sending is reported as a timeout instead).
                retryOrFail(entry, seq, f, deadline);
            } else {
                f.completeExceptionally(c);
            }
        });
    }

    private void retryOrFail(byte[] entry, long seq, CompletableFuture<Object> f, long deadline) {
        if (System.nanoTime() - deadline > 0) {
            f.completeExceptionally(new ConsensusException(ConsensusException.Reason.NO_LEADER, "no leader"));
            return;
        }
        timer.schedule(() -> submit(entry, seq, f, deadline), RETRY_MS, TimeUnit.MILLISECONDS);
    }

    /** jraft refused the task before appending it, so it can safely be sent again. */
    private static boolean notAppended(Status status) {
        RaftError e = status.getRaftError();
        String msg = status.getErrorMsg() == null ? "" : status.getErrorMsg();
        return (e == RaftError.EPERM && msg.startsWith("Is not leader"))
                || (e == RaftError.EBUSY && msg.startsWith("Is transferring leadership"));
    }
}
