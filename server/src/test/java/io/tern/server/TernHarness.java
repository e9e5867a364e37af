package io.tern.server;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.tern.server.config.ServerConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/** Starts real Tern members on loopback with port 0 and connects real jetcd clients to them. */
public final class TernHarness {
    /** Every storage engine the behaviour suites run against. */
    public static final List<String> ENGINES = List.of("mvstore", "rocksdb");

    /** The engines, for {@code @MethodSource("io.tern.server.TernHarness#engines")}. */
    public static java.util.stream.Stream<String> engines() {
        return ENGINES.stream();
    }

    private TernHarness() {
    }

    public static TernServer start(Path dataDir, String backend) {
        return TernServer.start(ServerConfig.singleNode("default", dataDir, 0, freePort(), backend));
    }

    public static Client client(TernServer server) {
        return Client.builder().endpoints("http://127.0.0.1:" + server.clientPort(0)).build();
    }

    public static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    static String str(ByteSequence b) {
        return b.toString(StandardCharsets.UTF_8);
    }

    /** A port nobody listens on now; the raft peer address needs one even though a single member never dials it. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sets up auth as the TLS, JWT and gateway tests use it, then enables it: {@code root}/{@code rootpw}
     * with the root role, and {@code alice}/{@code alicepw} who may read and write the prefix {@code a/}.
     */
    static void enableAuthWithAlice(io.etcd.jetcd.Auth auth) throws Exception {
        auth.userAdd(bs("root"), bs("rootpw")).get(10, java.util.concurrent.TimeUnit.SECONDS);
        auth.userGrantRole(bs("root"), bs("root")).get(10, java.util.concurrent.TimeUnit.SECONDS);
        auth.userAdd(bs("alice"), bs("alicepw")).get(10, java.util.concurrent.TimeUnit.SECONDS);
        auth.roleAdd(bs("a-writer")).get(10, java.util.concurrent.TimeUnit.SECONDS);
        auth.roleGrantPermission(bs("a-writer"), bs("a/"), bs("a0"), io.etcd.jetcd.auth.Permission.Type.READWRITE)
                .get(10, java.util.concurrent.TimeUnit.SECONDS);
        auth.userGrantRole(bs("alice"), bs("a-writer")).get(10, java.util.concurrent.TimeUnit.SECONDS);
        auth.authEnable().get(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
