package io.tern.server;

import io.etcd.jetcd.Client;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.tern.server.TernHarness.bs;

/** A Tern member in its own JVM (the test's classpath, Main's flags), for tests that kill processes. */
final class TernProcess {
    private TernProcess() {
    }

    static Process start(Path dataDir, String engine, int clientPort) throws java.io.IOException {
        String peer = "http://127.0.0.1:" + TernHarness.freePort();
        return start(List.of("--data-dir", dataDir.toString(),
                "--storage-backend", engine,
                "--listen-client-urls", "http://127.0.0.1:" + clientPort,
                "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer), dataDir.resolveSibling(dataDir.getFileName() + ".log"));
    }

    /** Starts {@code Main} with {@code flags}, appending its output to {@code log}. */
    static Process start(List<String> flags, Path log) throws java.io.IOException {
        return start(List.of(), flags, log);
    }

    /**
     * Starts {@code Main} in a JVM with {@code jvmOptions} (system properties such as
     * {@code -Dtern.failpoints=...}) added to the defaults, with {@code flags}, appending its output to {@code log}.
     */
    static Process start(List<String> jvmOptions, List<String> flags, Path log) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new java.util.ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Xmx512m", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.tern.server.Main"));
        cmd.addAll(flags);
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** Waits until a linearizable get succeeds. */
    static void awaitReady(Client client, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                client.getKVClient().get(bs("ready?")).get(2, TimeUnit.SECONDS);
                return;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("member not ready within " + timeout, e);
                }
                Thread.sleep(200);
            }
        }
    }
}
