package io.tern.server;

import io.etcd.jetcd.Client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A cluster of real Tern processes on loopback ports, started with etcd's own flags, driven with jetcd
 * and etcdctl. Members are killed with SIGKILL ({@link #kill}) or stopped with SIGTERM ({@link #stop})
 * and restarted on the same data directory.
 */
public final class ClusterHarness implements AutoCloseable {
    /** One member's fixed name, ports and directory; it listens for peers on {@code listenPeerPort}. */
    public record Node(String name, int clientPort, int peerPort, Path dir, String peerScheme, int listenPeerPort) {
        Node(String name, int clientPort, int peerPort, Path dir, String peerScheme) {
            this(name, clientPort, peerPort, dir, peerScheme, peerPort);
        }

        public String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        /** Where other members reach it: its peer port, or the proxy in front of it. */
        public String peerUrl() {
            return peerScheme + "://127.0.0.1:" + peerPort;
        }

        String listenPeerUrl() {
            return peerScheme + "://127.0.0.1:" + listenPeerPort;
        }
    }

    private final Path root;
    private final String engine;
    private final List<String> extraFlags;
    private final String peerScheme;
    private final java.util.function.Function<String, List<String>> memberFlags;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Process> processes = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final Map<String, String> clusterFlag = new LinkedHashMap<>();
    /** Extra JVM options of each member's next launches (a failpoint's system property); none by default. */
    private final Map<String, List<String>> jvmOptions = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
    private final List<Client> clients = new ArrayList<>();
    /** The proxies in front of the members' peer ports, when the cluster was started behind them. */
    private PeerProxies proxies;

    private ClusterHarness(Path root, String engine, List<String> extraFlags, String peerScheme,
                           java.util.function.Function<String, List<String>> memberFlags) {
        this.root = root;
        this.engine = engine;
        this.extraFlags = List.copyOf(extraFlags);
        this.peerScheme = peerScheme;
        this.memberFlags = memberFlags;
    }

    /** Starts {@code size} members m1..mN as a new cluster and waits until they serve. */
    public static ClusterHarness start(Path root, String engine, int size, String... extraFlags) throws Exception {
        return start(new ClusterHarness(root, engine, List.of(extraFlags), "http", name -> List.of()), size);
    }

    /**
     * Starts {@code size} members m1..mN as a new cluster, each in a JVM with {@code jvmOptions.get(name)}
     * (when present) until {@link #jvmOptions} changes them, and waits until they serve.
     */
    public static ClusterHarness start(Path root, String engine, int size, Map<String, List<String>> jvmOptions,
                                       String... extraFlags) throws Exception {
        ClusterHarness h = new ClusterHarness(root, engine, List.of(extraFlags), "http", name -> List.of());
        h.jvmOptions.putAll(jvmOptions);
        return start(h, size);
    }

    /**
     * Starts {@code size} members whose peer connections pass {@link PeerProxies}, so that {@link #partition}
     * can cut the network between them.
     */
    public static ClusterHarness startBehindProxies(Path root, String engine, int size, String... extraFlags)
            throws Exception {
        ClusterHarness h = new ClusterHarness(root, engine, List.of(extraFlags), "http", name -> List.of());
        h.proxies = new PeerProxies(h::pids);
        return start(h, size);
    }

    /**
     * Starts {@code size} members whose peer traffic is TLS ({@code https} peer URLs), each with
     * {@code memberFlags.apply(name)} (its own certificate files) and {@code extraFlags}.
     */
    static ClusterHarness startPeerTls(Path root, String engine, int size,
                                       java.util.function.Function<String, List<String>> memberFlags,
                                       String... extraFlags) throws Exception {
        return start(new ClusterHarness(root, engine, List.of(extraFlags), "https", memberFlags), size);
    }

    private static ClusterHarness start(ClusterHarness h, int size) throws Exception {
        for (int i = 1; i <= size; i++) {
            h.define("m" + i);
        }
        String initial = h.initialCluster();
        for (Node n : h.nodes.values()) {
            h.clusterFlag.put(n.name(), initial);
            h.launch(n, "new", initial);
        }
        for (Node n : h.nodes.values()) {
            h.awaitServing(n.name(), Duration.ofSeconds(60));
        }
        return h;
    }

    Node define(String name) {
        Node n;
        if (proxies == null) {
            n = new Node(name, TernHarness.freePort(), TernHarness.freePort(), root.resolve(name), peerScheme);
        } else {
            int listen = TernHarness.freePort();
            n = new Node(name, TernHarness.freePort(), proxies.open(name, listen), root.resolve(name), peerScheme,
                    listen);
        }
        nodes.put(name, n);
        return n;
    }

    String initialCluster() {
        return nodes.values().stream().map(n -> n.name() + "=" + n.peerUrl()).collect(Collectors.joining(","));
    }

    public Node node(String name) {
        return nodes.get(name);
    }

    public List<String> names() {
        return List.copyOf(nodes.keySet());
    }

    /** Starts a member defined with {@link #define} that was added with member add. */
    void join(String name) throws IOException {
        String initial = initialCluster();
        clusterFlag.put(name, initial);
        launch(nodes.get(name), "existing", initial);
    }

    private void launch(Node n, String state, String initialCluster) throws IOException {
        launch(n, state, initialCluster, "tern-test");
    }

    /** Starts a defined member as a new cluster with its own token: a member configured apart from the rest. */
    Process launchStray(String name, String initialCluster, String token) throws IOException {
        launch(nodes.get(name), "new", initialCluster, token);
        return processes.get(name);
    }

    private void launch(Node n, String state, String initialCluster, String token) throws IOException {
        List<String> flags = new ArrayList<>(List.of(
                "--name", n.name(),
                "--data-dir", n.dir().toString(),
                "--storage-backend", engine,
                "--listen-client-urls", n.clientUrl(),
                "--advertise-client-urls", n.clientUrl(),
                "--listen-peer-urls", n.listenPeerUrl(),
                "--initial-advertise-peer-urls", n.peerUrl(),
                "--initial-cluster", initialCluster,
                "--initial-cluster-state", state,
                "--initial-cluster-token", token));
        flags.addAll(memberFlags.apply(n.name()));
        flags.addAll(extraFlags);
        processes.put(n.name(), TernProcess.start(jvmOptions.getOrDefault(n.name(), List.of()), flags,
                log(n.name())));
    }

    public Path log(String name) {
        return root.resolve(name + ".log");
    }

    /**
     * Gives a stopped member a new peer port (what MemberUpdate is for); {@link #restart} then starts it
     * listening and advertising there. Returns the member as now defined.
     */
    Node movePeer(String name) {
        if (proxies != null) {
            throw new UnsupportedOperationException("members behind proxies keep their peer ports");
        }
        Node old = nodes.get(name);
        Node moved = new Node(name, old.clientPort(), TernHarness.freePort(), old.dir(), old.peerScheme());
        nodes.put(name, moved);
        return moved;
    }

    /** Sets the extra JVM options (such as {@code -Dtern.failpoints=...}) of the member's next launches. */
    public void jvmOptions(String name, String... options) {
        jvmOptions.put(name, List.of(options));
    }

    /** Restarts a stopped or killed member on its data directory with the flags it first had. */
    public void restart(String name) throws IOException {
        launch(nodes.get(name), "new", clusterFlag.get(name));
    }

    /**
     * Cuts the peer network between {@code side} and the other members, both ways, until {@link #heal}; only
     * for a cluster started {@link #startBehindProxies behind proxies}. Clients still reach every member.
     */
    public void partition(String... side) {
        if (proxies == null) {
            throw new IllegalStateException("the cluster was not started behind proxies");
        }
        proxies.partition(Set.of(side), nodes.keySet());
    }

    /** Ends every partition. */
    public void heal() {
        if (proxies != null) {
            proxies.heal();
        }
    }

    private Map<String, Long> pids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        synchronized (processes) {
            processes.forEach((name, p) -> {
                if (p.isAlive()) {
                    pids.put(name, p.pid());
                }
            });
        }
        return pids;
    }

    /** SIGKILL, no chance to flush anything. */
    public void kill(String name) throws InterruptedException {
        Process p = processes.get(name);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, an orderly stop. */
    public void stop(String name) throws InterruptedException {
        Process p = processes.get(name);
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    public Process process(String name) {
        return processes.get(name);
    }

    /** A jetcd client talking to the named members only (all when none named); closed with the harness. */
    public Client client(String... names) {
        List<String> targets = names.length == 0 ? names() : List.of(names);
        Client c = Client.builder().endpoints(targets.stream().map(t -> nodes.get(t).clientUrl()).toArray(String[]::new))
                .build();
        synchronized (clients) {
            clients.add(c);
        }
        return c;
    }

    public String endpoints(String... names) {
        List<String> targets = names.length == 0 ? names() : List.of(names);
        return targets.stream().map(t -> nodes.get(t).clientUrl()).collect(Collectors.joining(","));
    }

    /** Waits until a serializable get on the member succeeds. */
    public void awaitServing(String name, Duration limit) throws Exception {
        try (Client c = Client.builder().endpoints(nodes.get(name).clientUrl()).build()) {
            Eventually.within(limit, () -> c.getKVClient().get(TernHarness.bs("ready?"),
                    io.etcd.jetcd.options.GetOption.builder().withSerializable(true).build()).get(2, TimeUnit.SECONDS));
        }
    }

    /** The name of the member every running member agrees leads, waiting for one. */
    public String awaitLeader(Duration limit, String... among) throws Exception {
        List<String> targets = among.length == 0 ? names() : List.of(among);
        String[] leader = new String[1];
        Eventually.within(limit, () -> {
            long id = -1;
            for (String t : targets) {
                try (Client c = Client.builder().endpoints(nodes.get(t).clientUrl()).build()) {
                    long l = c.getMaintenanceClient().statusMember(nodes.get(t).clientUrl()).get(2, TimeUnit.SECONDS)
                            .getLeader();
                    if (l == 0 || (id != -1 && l != id)) {
                        throw new AssertionError("members disagree on the leader");
                    }
                    id = l;
                }
            }
            try (Client c = Client.builder().endpoints(nodes.get(targets.get(0)).clientUrl()).build()) {
                for (var m : c.getClusterClient().listMember().get(2, TimeUnit.SECONDS).getMembers()) {
                    if (m.getId() == id) {
                        leader[0] = m.getName();
                    }
                }
            }
            if (leader[0] == null || leader[0].isEmpty()) {
                throw new AssertionError("leader " + Long.toHexString(id) + " has no name yet");
            }
        });
        return leader[0];
    }

    /** Runs the real etcdctl against {@code endpoints}; returns exit code and combined output. */
    static Result etcdctl(String endpoints, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("etcdctl", "--endpoints=" + endpoints, "--command-timeout=10s"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("etcdctl " + cmd + " hung");
        }
        return new Result(p.exitValue(), out);
    }

    /** What a command printed and how it ended. */
    record Result(int exit, String output) {
    }

    public String logTail(String name) {
        try {
            List<String> lines = Files.readAllLines(log(name));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        synchronized (clients) {
            clients.forEach(Client::close);
        }
        if (proxies != null) {
            proxies.close();
        }
        for (Process p : processes.values()) {
            p.destroyForcibly();
        }
        for (Process p : processes.values()) {
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
