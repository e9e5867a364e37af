package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Iterator;
import com.alipay.sofa.jraft.Status;
import com.alipay.sofa.jraft.core.StateMachineAdapter;
import com.alipay.sofa.jraft.error.RaftError;
import com.alipay.sofa.jraft.error.RaftException;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotReader;
import com.alipay.sofa.jraft.storage.snapshot.SnapshotWriter;
import io.tern.spi.consensus.LogEntry;
import io.tern.spi.consensus.StateMachine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Bridges jraft's state machine callbacks (all on jraft's single FSM thread) to the SPI's
 * {@link StateMachine}: each batch jraft delivers becomes one {@link StateMachine#apply} call.
 * Snapshots hold the state machine's checkpoint under {@code kv/}; loading one that is older than what
 * the local store already holds is skipped (the store keeps its own applied index).
 */
final class FsmAdapter extends StateMachineAdapter {
    private static final System.Logger LOG = System.getLogger(FsmAdapter.class.getName());
    private static final String STATE_DIR = "kv";

    private final StateMachine stateMachine;
    private final long snapshotCount;
    private final Runnable snapshotTrigger;
    private final java.util.concurrent.Executor saver;
    private final AtomicBoolean snapshotting = new AtomicBoolean();
    private volatile long term;
    /** The term of the last entry applied (or found already applied); see {@link #currentTermApplied}. */
    private volatile long appliedTerm;
    private long lastSnapshotIndex;

    /** @param saver where snapshots are written (see {@link #onSnapshotSave}) */
    FsmAdapter(StateMachine stateMachine, long snapshotCount, Runnable snapshotTrigger,
               java.util.concurrent.Executor saver) {
        this.stateMachine = stateMachine;
        this.snapshotCount = snapshotCount;
        this.snapshotTrigger = snapshotTrigger;
        this.saver = saver;
        this.lastSnapshotIndex = stateMachine.appliedIndex();
    }

    long term() {
        return term;
    }

    /**
     * True once an entry of the current leader term has been applied. A new leader's earlier-term
     * entries are all committed and applied before any entry of its own term, so from then on "applied
     * up to the commit index" includes every acknowledged write, even after a restart that replayed.
     */
    boolean currentTermApplied() {
        return term != 0 && appliedTerm == term;
    }

    void snapshotFinished() {
        snapshotting.set(false);
    }

    @Override
    public void onApply(Iterator iter) {
        List<LogEntry> entries = new ArrayList<>();
        List<Closure> dones = new ArrayList<>();
        long durable = stateMachine.appliedIndex();
        while (iter.hasNext()) {
            if (iter.getIndex() <= durable) {
                // Replayed after a restart, already in the store: the contract hands over only what follows.
                // A live proposal here cannot get its result any more: it fails, and the client retries.
                if (iter.done() != null) {
                    iter.done().run(new Status(RaftError.ESTATEMACHINE,
                            "entry %d was already applied; its result is unknown", iter.getIndex()));
                }
                appliedTerm = iter.getTerm();
                iter.next();
                continue;
            }
            ByteBuffer data = iter.getData();
            if (data == null || !data.hasRemaining()) {
                // The engine's own no-op (see MembershipChanges): nothing for the state machine.
                if (iter.done() != null) {
                    iter.done().run(Status.OK());
                }
                appliedTerm = iter.getTerm();
                iter.next();
                continue;
            }
            byte[] bytes = new byte[data.remaining()];
            data.duplicate().get(bytes);
            entries.add(new LogEntry(iter.getIndex(), iter.getTerm(), bytes));
            dones.add(iter.done());
            iter.next();
        }
        if (entries.isEmpty()) {
            return;
        }
        List<Object> results;
        try {
            results = stateMachine.apply(entries);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "state machine failed applying entries "
                    + entries.get(0).index() + ".." + entries.get(entries.size() - 1).index() + "; stopping", e);
            // Hand the batch back: jraft then fails its closures and stops this member's state machine,
            // instead of replaying the same failing entries forever.
            iter.setErrorAndRollback(entries.size(), new Status(RaftError.ESTATEMACHINE,
                    "state machine failed: %s", String.valueOf(e.getMessage())));
            return;
        }
        for (int i = 0; i < dones.size(); i++) {
            Closure done = dones.get(i);
            if (done != null) {
                if (done instanceof ProposalClosure p) {
                    p.applied(results.get(i), entries.get(i).index());
                }
                done.run(Status.OK());
            }
        }
        appliedTerm = entries.get(entries.size() - 1).term();
        long last = entries.get(entries.size() - 1).index();
        if (snapshotCount > 0 && last - lastSnapshotIndex >= snapshotCount && snapshotting.compareAndSet(false, true)) {
            lastSnapshotIndex = last;
            snapshotTrigger.run();
        }
    }

    /**
     * Saves on the {@code saver} thread, so that the apply thread goes on applying while the state is
     * copied (a whole-store copy takes seconds). The copy may then hold entries past the snapshot's index;
     * that is harmless, since the store records its own applied index and replay skips what it holds.
     */
    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        try {
            saver.execute(() -> save(writer, done));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            done.run(new Status(RaftError.ESHUTDOWN, "snapshot save refused: the engine is stopping"));
        }
    }

    private void save(SnapshotWriter writer, Closure done) {
        try {
            Path root = Path.of(writer.getPath());
            Path state = root.resolve(STATE_DIR);
            stateMachine.saveSnapshot(state);
            try (Stream<Path> files = Files.walk(state)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    if (!writer.addFile(root.relativize(f).toString())) {
                        throw new IOException("jraft refused snapshot file " + f);
                    }
                }
            }
            done.run(Status.OK());
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "saving snapshot failed", e);
            done.run(new Status(RaftError.EIO, "snapshot save failed: %s", e.getMessage()));
        }
    }

    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        var meta = reader.load();
        if (meta == null) {
            LOG.log(System.Logger.Level.ERROR, "snapshot in {0} has no metadata", reader.getPath());
            return false;
        }
        long index = meta.getLastIncludedIndex();
        if (index <= stateMachine.appliedIndex()) {
            LOG.log(System.Logger.Level.INFO, "store already holds index {0} >= snapshot {1}; keeping it",
                    stateMachine.appliedIndex(), index);
            return true;
        }
        stateMachine.loadSnapshot(Path.of(reader.getPath()).resolve(STATE_DIR));
        lastSnapshotIndex = index;
        return true;
    }

    @Override
    public void onLeaderStart(long term) {
        this.term = term;
        stateMachine.onLeaderStart(term);
    }

    @Override
    public void onLeaderStop(Status status) {
        stateMachine.onLeaderStop();
    }

    @Override
    public void onStartFollowing(com.alipay.sofa.jraft.entity.LeaderChangeContext ctx) {
        this.term = ctx.getTerm();
    }

    @Override
    public void onError(RaftException e) {
        LOG.log(System.Logger.Level.ERROR, "raft error: " + e.getStatus(), e);
    }
}
