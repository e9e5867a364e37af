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
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.tern.server.Main",
                "--data-dir", dataDir.toString(),
                "--storage-backend", engine,
                "--listen-client-urls", "http://127.0.0.1:" + clientPort,
                "--advertise-client-urls", "http://127.0.0.1:" + clientPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + TernHarness.freePort());
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolveSibling(dataDir.getFileName() + ".log").toFile())
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
