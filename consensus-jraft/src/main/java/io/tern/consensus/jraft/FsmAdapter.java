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

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Bridges jraft's state machine callbacks (all on jraft's single FSM thread) to the SPI's
 * {@link StateMachine}: each batch jraft delivers becomes one {@link StateMachine#apply} call.
 * A snapshot this member saves holds no state: the state machine makes its store durable and the store
 * is the snapshot (see {@link OnDemandSnapshotStorage}, which writes the checkpoint under {@code kv/} only
 * when a follower needs it). Loading a snapshot that is older than what the local store already holds
 * is skipped (the store keeps its own applied index).
 */
final class FsmAdapter extends StateMachineAdapter {
    private static final System.Logger LOG = System.getLogger(FsmAdapter.class.getName());
    static final String STATE_DIR = "kv";
    private final java.util.concurrent.atomic.AtomicLong leaderChanges = new java.util.concurrent.atomic.AtomicLong();

    private final StateMachine stateMachine;
    private final long snapshotCount;
    private final Runnable snapshotTrigger;
    private final java.util.concurrent.Executor saver;
    private final AtomicBoolean snapshotting = new AtomicBoolean();
    private volatile long term;
    /** The term of the last entry applied (or found already applied); see {@link #currentTermApplied}. */
    private volatile long appliedTerm;
    /** Commands applied since the last snapshot was triggered (or loaded, or since start). */
    private long commandsSinceSnapshot;
    /** Why the last snapshot load failed, for the member's start-up error; null when none did. */
    private volatile String loadFailure;

    /** @param saver where snapshots are written (see {@link #onSnapshotSave}) */
    FsmAdapter(StateMachine stateMachine, long snapshotCount, Runnable snapshotTrigger,
               java.util.concurrent.Executor saver) {
        this.stateMachine = stateMachine;
        this.snapshotCount = snapshotCount;
        this.snapshotTrigger = snapshotTrigger;
        this.saver = saver;
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
        // Per log entry handed over: its closure, and where its commands start in entries (a pack holds several).
        List<Closure> dones = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
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
            starts.add(entries.size());
            if (Packer.packed(data)) {
                List<byte[]> commands;
                try {
                    commands = Packer.commands(data, iter.getIndex());
                } catch (IllegalStateException e) {
                    LOG.log(System.Logger.Level.ERROR, "cannot read log entry " + iter.getIndex() + "; stopping", e);
                    iter.setErrorAndRollback(dones.size(), new Status(RaftError.ESTATEMACHINE, "%s", e.getMessage()));
                    return;
                }
                for (byte[] c : commands) {
                    entries.add(new LogEntry(iter.getIndex(), iter.getTerm(), c));
                }
            } else {
                byte[] bytes = new byte[data.remaining()];
                data.duplicate().get(bytes);
                entries.add(new LogEntry(iter.getIndex(), iter.getTerm(), bytes));
            }
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
            iter.setErrorAndRollback(dones.size(), new Status(RaftError.ESTATEMACHINE,
                    "state machine failed: %s", String.valueOf(e.getMessage())));
            return;
        }
        for (int i = 0; i < dones.size(); i++) {
            Closure done = dones.get(i);
            if (done != null) {
                int from = starts.get(i);
                int to = i + 1 < starts.size() ? starts.get(i + 1) : entries.size();
                if (done instanceof ProposalClosure p) {
                    p.applied(results.subList(from, to), entries.get(from).index());
                }
                done.run(Status.OK());
            }
        }
        appliedTerm = entries.get(entries.size() - 1).term();
        // etcd counts applied requests, not log entries: a pack counts each of its commands.
        commandsSinceSnapshot += entries.size();
        if (snapshotCount > 0 && commandsSinceSnapshot >= snapshotCount && snapshotting.compareAndSet(false, true)) {
            commandsSinceSnapshot = 0;
            snapshotTrigger.run();
        }
    }

    /**
     * Persists on the {@code saver} thread: the apply thread goes on applying meanwhile, so the store may
     * be durable past the snapshot's index. jraft drops the log up to that index once {@code done} runs.
     */
    @Override
    public void onSnapshotSave(SnapshotWriter writer, Closure done) {
        try {
            saver.execute(() -> save(done));
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            done.run(new Status(RaftError.ESHUTDOWN, "snapshot save refused: the engine is stopping"));
        }
    }

    private void save(Closure done) {
        try {
            stateMachine.persist();
            done.run(Status.OK());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "saving snapshot failed", e);
            done.run(new Status(RaftError.EIO, "snapshot save failed: %s", e.getMessage()));
        }
    }

    /** Writes the state machine's checkpoint to {@code state}, for {@link OnDemandSnapshotStorage}. */
    void writeState(Path state) {
        stateMachine.saveSnapshot(state);
    }

    String loadFailure() {
        return loadFailure;
    }

    @Override
    public boolean onSnapshotLoad(SnapshotReader reader) {
        var meta = reader.load();
        if (meta == null) {
            LOG.log(System.Logger.Level.ERROR, "snapshot in {0} has no metadata", reader.getPath());
            return false;
        }
        long index = meta.getLastIncludedIndex();
        long applied = stateMachine.appliedIndex();
        if (index <= applied) {
            LOG.log(System.Logger.Level.INFO, "store already holds index {0} >= snapshot {1}; keeping it",
                    applied, index);
            return true;
        }
        if (reader.listFiles().isEmpty()) {
            // This member's own snapshot: it vouched for a store durable up to its index, and the log
            // before that is gone. Replaying from here would skip entries, so refuse to start.
            loadFailure = "the local store holds entries up to index " + applied + " but the raft snapshot in "
                    + reader.getPath() + " recorded it as durable up to " + index
                    + " and the log before that is gone: the store was lost or rolled back. Remove this member"
                    + " and add it back with an empty data directory.";
            LOG.log(System.Logger.Level.ERROR, loadFailure);
            return false;
        }
        stateMachine.loadSnapshot(Path.of(reader.getPath()).resolve(STATE_DIR));
        commandsSinceSnapshot = 0;
        return true;
    }

    /** Times this member began to lead or to follow a new leader. */
    long leaderChanges() {
        return leaderChanges.get();
    }

    @Override
    public void onLeaderStart(long term) {
        leaderChanges.incrementAndGet();
        this.term = term;
        stateMachine.onLeaderStart(term);
    }

    @Override
    public void onLeaderStop(Status status) {
        stateMachine.onLeaderStop();
    }

    @Override
    public void onStartFollowing(com.alipay.sofa.jraft.entity.LeaderChangeContext ctx) {
        leaderChanges.incrementAndGet();
        this.term = ctx.getTerm();
    }

    @Override
    public void onError(RaftException e) {
        LOG.log(System.Logger.Level.ERROR, "raft error: " + e.getStatus(), e);
    }
}
