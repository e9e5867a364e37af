package io.tern.server.robust;

import io.tern.server.ClusterHarness;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Injects faults into a running cluster until stopped: a quiet spell, a fault from the list (in turn), a
 * hold, the heal, and a wait until every member serves again. Quiet spells and holds are drawn from a seeded
 * random, so a seed replays the same schedule (the moments the faults hit the workload still vary).
 *
 * <p>A failure to heal (a member that does not come back) ends the schedule; {@link #stop} rethrows it.
 */
final class FaultSchedule {
    /** Long enough for a leader to be missed and a new one elected: past etcd's 1 s election timeout. */
    private static final Duration PAUSE_MIN = Duration.ofMillis(2000);
    private static final Duration SERVING_LIMIT = Duration.ofSeconds(90);

    private final ClusterHarness cluster;
    private final List<Fault> faults;
    private final Random random;
    private final Thread thread;
    private final List<String> injected = new ArrayList<>();
    private volatile boolean stopping;
    private volatile Throwable failure;

    private FaultSchedule(ClusterHarness cluster, List<Fault> faults, long seed) {
        boolean single = cluster.names().size() == 1;
        this.faults = faults.stream().filter(f -> !(single && f.needsPeers())).toList();
        this.cluster = cluster;
        this.random = new Random(seed);
        this.thread = Thread.ofPlatform().name("faults").start(this::run);
    }

    /** Starts injecting {@code faults} (none: a run without faults) into {@code cluster}. */
    static FaultSchedule start(ClusterHarness cluster, List<Fault> faults, long seed) {
        return new FaultSchedule(cluster, faults, seed);
    }

    private void run() {
        try {
            for (int i = 0; !faults.isEmpty(); i++) {
                if (!sleep(between(500, 2000))) {
                    return;
                }
                Fault fault = faults.get(i % faults.size());
                inject(fault);
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void inject(Fault fault) throws Exception {
        List<String> targets = targets(fault);
        long hold = fault.isPause() || fault.isPartition()
                ? between(PAUSE_MIN.toMillis(), PAUSE_MIN.toMillis() + 2000) : between(200, 3000);
        long started = System.nanoTime();
        if (fault.isPartition()) {
            cluster.partition(targets.toArray(String[]::new));
        }
        for (String t : targets) {
            if (fault.isPause()) {
                signal(t, "STOP");
            } else if (!fault.isPartition()) {
                cluster.kill(t);
            }
        }
        sleep(hold); // an early stop still heals
        if (fault.isPartition()) {
            cluster.heal();
        }
        for (String t : targets) {
            if (fault.isPause()) {
                signal(t, "CONT");
            } else if (!fault.isPartition()) {
                cluster.restart(t);
            }
        }
        for (String t : cluster.names()) {
            cluster.awaitServing(t, SERVING_LIMIT);
        }
        synchronized (injected) {
            injected.add(String.format("%s %s for %d ms, all serving after %.1f s", fault, targets, hold,
                    (System.nanoTime() - started) / 1e9));
        }
    }

    private List<String> targets(Fault fault) throws Exception {
        List<String> all = cluster.names();
        if (fault == Fault.KILL_ALL) {
            return all;
        }
        String leader = cluster.awaitLeader(SERVING_LIMIT);
        if (fault.hitsLeader()) {
            return List.of(leader);
        }
        List<String> followers = all.stream().filter(n -> !n.equals(leader)).toList();
        return List.of(followers.get(random.nextInt(followers.size())));
    }

    private void signal(String member, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(cluster.process(member).pid()))
                .redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + member + " failed: "
                    + new String(kill.getInputStream().readAllBytes()));
        }
    }

    private long between(long fromMillis, long toMillis) {
        return fromMillis + (long) (random.nextDouble() * (toMillis - fromMillis));
    }

    /** Sleeps unless stopping; whether it slept the whole time. */
    private boolean sleep(long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (!stopping) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) {
                return true;
            }
            Thread.sleep(Math.min(left, 100));
        }
        return false;
    }

    /**
     * Stops after the fault in progress is healed and every member serves; the faults injected, as text.
     * Rethrows a failure to inject or heal.
     */
    List<String> stop() throws Exception {
        stopping = true;
        thread.join(SERVING_LIMIT.toMillis() * 4);
        if (thread.isAlive()) {
            throw new IllegalStateException("the fault schedule did not stop");
        }
        if (failure != null) {
            throw new AssertionError("a fault could not be injected or healed", failure);
        }
        synchronized (injected) {
            return List.copyOf(injected);
        }
    }
}
