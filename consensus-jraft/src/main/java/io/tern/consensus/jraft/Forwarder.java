package io.tern.consensus.jraft;

import io.tern.spi.consensus.PeerAddress;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A follower's outgoing proposals, batched: at most {@value #MAX_IN_FLIGHT} peer messages to the leader
 * at a time, and whatever queued meanwhile goes in the next one (up to {@value #MAX_BATCH} proposals or
 * {@value #MAX_BYTES} bytes). A lone proposal leaves at once; under load one message carries many.
 */
final class Forwarder {
    static final int MAX_IN_FLIGHT = 2;
    static final int MAX_BATCH = 512;
    static final int MAX_BYTES = 4 * 1024 * 1024;

    private record Pending(PeerAddress to, byte[] command, CompletableFuture<ForwardBatch.Outcome> done) {
    }

    private final PeerChannel channel;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private int inFlight;

    Forwarder(PeerChannel channel) {
        this.channel = channel;
    }

    /** Sends {@code command} to the leader at {@code to}; a transport failure fails the future. */
    CompletableFuture<ForwardBatch.Outcome> forward(PeerAddress to, byte[] command) {
        Pending p = new Pending(to, command, new CompletableFuture<>());
        List<Pending> batch;
        synchronized (queue) {
            queue.add(p);
            if (inFlight >= MAX_IN_FLIGHT) {
                return p.done();
            }
            inFlight++;
            batch = drain();
        }
        send(batch);
        return p.done();
    }

    /** Takes the next batch: proposals for the same leader as the oldest, within the limits. */
    private List<Pending> drain() {
        List<Pending> batch = new ArrayList<>();
        PeerAddress to = queue.peek().to();
        int bytes = 0;
        while (!queue.isEmpty() && batch.size() < MAX_BATCH && queue.peek().to().equals(to)
                && (batch.isEmpty() || bytes + queue.peek().command().length <= MAX_BYTES)) {
            Pending p = queue.poll();
            bytes += p.command().length;
            batch.add(p);
        }
        return batch;
    }

    private void send(List<Pending> batch) {
        List<byte[]> commands = batch.stream().map(Pending::command).toList();
        channel.forward(batch.get(0).to(), ForwardBatch.request(commands)).whenComplete((reply, t) -> {
            if (t != null) {
                batch.forEach(p -> p.done().completeExceptionally(t));
            } else {
                try {
                    List<ForwardBatch.Outcome> outcomes = ForwardBatch.outcomes(reply);
                    for (int i = 0; i < batch.size(); i++) {
                        batch.get(i).done().complete(outcomes.get(i));
                    }
                } catch (RuntimeException e) {
                    batch.forEach(p -> p.done().completeExceptionally(e));
                }
            }
            List<Pending> next;
            synchronized (queue) {
                if (queue.isEmpty()) {
                    inFlight--;
                    return;
                }
                next = drain();
            }
            send(next);
        });
    }
}
