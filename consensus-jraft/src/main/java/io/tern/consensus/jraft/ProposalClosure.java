package io.tern.consensus.jraft;

import com.alipay.sofa.jraft.Closure;
import com.alipay.sofa.jraft.Status;

import java.util.List;

/**
 * Carries the proposals of one log entry through jraft on the leader: one command, or several that
 * {@link Packer} packed. The FSM sets the applied results (one per command, in order) and the entry's index
 * before jraft runs the closure with OK; on any other status every proposal gets null and 0.
 */
final class ProposalClosure implements Closure {
    /** Receives one proposal's outcome. */
    @FunctionalInterface
    interface Done {
        void run(Object result, long index, Status status);
    }

    /** A command and who waits for its outcome. */
    record Proposal(byte[] command, Done done) {
    }

    private final List<Proposal> proposals;
    private final Runnable finished;
    private List<Object> results;
    private String mismatch;
    private long index;

    /** @param finished runs once the entry is done with, before the proposals hear their outcomes */
    ProposalClosure(List<Proposal> proposals, Runnable finished) {
        this.proposals = proposals;
        this.finished = finished;
    }

    /**
     * @param r the results of this entry's commands, in the order they were packed; when their count is not
     *          the number proposed, every proposal fails with ESTATEMACHINE naming both (the closure must
     *          still run, or the packer's window would lose an entry)
     */
    void applied(List<Object> r, long logIndex) {
        this.index = logIndex;
        if (r.size() != proposals.size()) {
            this.mismatch = "entry " + logIndex + " carried " + r.size() + " commands, " + proposals.size()
                    + " were proposed";
            return;
        }
        this.results = r;
    }

    @Override
    public void run(Status status) {
        finished.run();
        boolean ok = status.isOk() && results != null;
        Status outcome = ok || !status.isOk() ? status
                : new Status(com.alipay.sofa.jraft.error.RaftError.ESTATEMACHINE, "%s",
                        mismatch != null ? mismatch : "entry applied without results");
        for (int i = 0; i < proposals.size(); i++) {
            proposals.get(i).done().run(ok ? results.get(i) : null, ok ? index : 0, outcome);
        }
    }
}
