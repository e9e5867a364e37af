package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static io.tern.server.TernHarness.str;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * kill -9 of a member process under concurrent writes: after a restart on the same data dir, every
 * write the client saw acknowledged is there with its value.
 */
class CrashSafetyTest {

    static Stream<String> engines() {
        return TernHarness.ENGINES.stream();
    }

    @ParameterizedTest
    @MethodSource("engines")
    void everyAcknowledgedWriteSurvivesKillNine(String engine, @TempDir Path dir) throws Exception {
        int port = TernHarness.freePort();
        Map<String, String> acked = new ConcurrentHashMap<>();
        Process member = TernProcess.start(dir, engine, port);
        try (Client client = Client.builder().endpoints("http://127.0.0.1:" + port).build()) {
            TernProcess.awaitReady(client, Duration.ofSeconds(60));
            KV kv = client.getKVClient();
            AtomicBoolean stop = new AtomicBoolean();
            ExecutorService writers = Executors.newFixedThreadPool(8);
            List<java.util.concurrent.Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int id = w;
                running.add(writers.submit(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String k = "crash/" + id + "/" + i;
                        String v = "value-" + id + "-" + i;
                        try {
                            kv.put(bs(k), bs(v)).get(10, TimeUnit.SECONDS);
                            acked.put(k, v);
                        } catch (Exception e) {
                            return; // the member died under us: this write is not acknowledged
                        }
                    }
                }));
            }
            Thread.sleep(2500);
            member.destroyForcibly().waitFor(); // SIGKILL
            stop.set(true);
            writers.shutdown();
            assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        } finally {
            member.destroyForcibly().waitFor();
        }
        assertThat(acked).as("writes acknowledged before the kill").hasSizeGreaterThan(100);

        Process restarted = TernProcess.start(dir, engine, port);
        try (Client client = Client.builder().endpoints("http://127.0.0.1:" + port).build()) {
            TernProcess.awaitReady(client, Duration.ofSeconds(60));
            KV kv = client.getKVClient();
            List<String> lost = new ArrayList<>();
            for (Map.Entry<String, String> e : acked.entrySet()) {
                var got = kv.get(bs(e.getKey())).get().getKvs();
                if (got.isEmpty() || !str(got.get(0).getValue()).equals(e.getValue())) {
                    lost.add(e.getKey());
                }
            }
            assertThat(lost).as("acknowledged writes lost after kill -9 (of " + acked.size() + ")").isEmpty();
        } finally {
            restarted.destroy();
            restarted.waitFor(30, TimeUnit.SECONDS);
            restarted.destroyForcibly();
        }
    }
}
