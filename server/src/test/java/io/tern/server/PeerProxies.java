package io.tern.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A TCP proxy in front of each member's peer port, so a test can cut the network between members: members
 * advertise the proxy's port and listen on another, and every connection one member opens to another passes
 * a proxy. A proxy tells which member dialed by the process that owns the dialing socket (found through
 * {@code /proc}), so a partition can refuse and cut exactly the connections between the two sides, in both
 * directions. Connections from other processes (clients, the test itself) always pass.
 */
final class PeerProxies implements AutoCloseable {
    /** A connection through a proxy: from a member (or null, another process) to a member. */
    private record Link(String from, String to, Socket inbound, Socket outbound) {
        void cut() {
            closeQuietly(inbound);
            closeQuietly(outbound);
        }
    }

    private final Supplier<Map<String, Long>> pids;
    private final Map<String, ServerSocket> listeners = new ConcurrentHashMap<>();
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    /** Pairs (from, to) whose connections are refused; a partition adds both directions. */
    private final Set<List<String>> blocked = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** {@code pids}: the current process id of each running member, by name. */
    PeerProxies(Supplier<Map<String, Long>> pids) {
        this.pids = pids;
    }

    /** Opens the proxy for {@code member} on a free port, forwarding to {@code targetPort}; its port. */
    int open(String member, int targetPort) {
        try {
            ServerSocket server = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
            listeners.put(member, server);
            Thread.ofVirtual().name("proxy-" + member).start(() -> accept(member, server, targetPort));
            return server.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a peer proxy for " + member, e);
        }
    }

    /** Cuts every connection between the members of {@code side} and the others, and refuses new ones. */
    void partition(Set<String> side, Set<String> all) {
        for (String a : side) {
            for (String b : all) {
                if (!side.contains(b)) {
                    blocked.add(List.of(a, b));
                    blocked.add(List.of(b, a));
                }
            }
        }
        for (Link l : links) {
            if (l.from() != null && blocked.contains(List.of(l.from(), l.to()))) {
                l.cut();
                links.remove(l);
            }
        }
    }

    /** Lets every connection through again. */
    void heal() {
        blocked.clear();
    }

    private void accept(String member, ServerSocket server, int targetPort) {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().start(() -> connect(member, in, targetPort));
        }
    }

    private void connect(String to, Socket in, int targetPort) {
        String from = owner(in.getPort(), in.getLocalPort()).orElse(null);
        if (from != null && blocked.contains(List.of(from, to))) {
            closeQuietly(in);
            return;
        }
        Socket out = new Socket();
        try {
            out.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
        } catch (IOException e) {
            closeQuietly(in);
            closeQuietly(out);
            return;
        }
        Link link = new Link(from, to, in, out);
        links.add(link);
        Thread.ofVirtual().start(() -> pump(in, out, link));
        Thread.ofVirtual().start(() -> pump(out, in, link));
    }

    private void pump(Socket from, Socket to, Link link) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            // one side went away: the link ends
        } finally {
            link.cut();
            links.remove(link);
        }
    }

    /**
     * The member whose process owns the loopback socket at {@code port} connected to {@code remotePort}:
     * its inode from {@code /proc/net/tcp6} or {@code tcp}, then the process holding that inode.
     */
    private Optional<String> owner(int port, int remotePort) {
        Optional<String> inode = Stream.of("/proc/net/tcp6", "/proc/net/tcp")
                .flatMap(PeerProxies::lines)
                .map(l -> l.trim().split("\\s+"))
                .filter(f -> f.length > 9 && portOf(f[1]) == port && portOf(f[2]) == remotePort)
                .map(f -> f[9])
                .findFirst();
        if (inode.isEmpty()) {
            return Optional.empty();
        }
        String socket = "socket:[" + inode.get() + "]";
        for (Map.Entry<String, Long> m : pids.get().entrySet()) {
            try (Stream<Path> fds = Files.list(Path.of("/proc", m.getValue().toString(), "fd"))) {
                if (fds.anyMatch(fd -> socket.equals(link(fd)))) {
                    return Optional.of(m.getKey());
                }
            } catch (IOException | UncheckedIOException e) {
                // the process is gone
            }
        }
        return Optional.empty();
    }

    private static Stream<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file)).stream().skip(1);
        } catch (IOException e) {
            return Stream.empty();
        }
    }

    private static int portOf(String address) {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1), 16);
    }

    private static String link(Path fd) {
        try {
            return Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        List<ServerSocket> servers = new ArrayList<>(listeners.values());
        for (ServerSocket s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        for (Link l : new HashSet<>(links)) {
            l.cut();
        }
    }
}
