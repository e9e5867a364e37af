package io.tern.server;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.tern.server.config.ServerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static io.tern.server.TernHarness.bs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * etcd's metrics and probes, on each engine, scraped over HTTP from the client port and from a
 * {@code --listen-metrics-urls} listener, the metrics parsed as Prometheus text.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsTest {
    /** A sample line: name, optional labels, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*\\})? (\\S+)$");
    private final Map<String, TernServer> servers = new HashMap<>();
    private final Map<String, Integer> metricsPorts = new HashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path dir) {
        for (String engine : TernHarness.ENGINES) {
            int port = TernHarness.freePort();
            servers.put(engine, TernServer.start(ServerConfig.singleNode("default", dir.resolve(engine), 0,
                    TernHarness.freePort(), engine).withMetricsUrls(List.of(URI.create("http://127.0.0.1:" + port)))));
            metricsPorts.put(engine, port);
        }
    }

    @AfterAll
    void stop() {
        servers.values().forEach(TernServer::close);
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every sample of the exposition, keyed by name plus its labels as printed. */
    private Map<String, Double> scrape(String engine) throws Exception {
        HttpResponse<String> res = get(metricsPorts.get(engine), "/metrics");
        assertThat(res.statusCode()).isEqualTo(200);
        assertThat(res.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        Map<String, Double> samples = new HashMap<>();
        for (String line : res.body().split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a Prometheus sample line: %s", line).isTrue();
            samples.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return samples;
    }

    @ParameterizedTest
    @MethodSource("io.tern.server.TernHarness#engines")
    void etcdsMetricsFollowWhatTheMemberDoes(String engine) throws Exception {
        Map<String, Double> before = scrape(engine);
        assertThat(before).containsEntry("etcd_server_has_leader", 1.0).containsEntry("etcd_server_is_leader", 1.0);
        assertThat(before.get("etcd_server_leader_changes_seen_total")).isGreaterThanOrEqualTo(1.0);
        // The sizes are what Status reports (RocksDB has nothing on disk before its first flush). Both
        // move with background work, and a scrape reuses a reading for half a second: compare until equal.
        try (Client c = TernHarness.client(servers.get(engine))) {
            Eventually.within(Duration.ofSeconds(15), () -> {
                Thread.sleep(600);
                Map<String, Double> now = scrape(engine);
                var status = c.getMaintenanceClient().statusMember("http://127.0.0.1:" + servers.get(engine).clientPort(0))
                        .get(10, TimeUnit.SECONDS);
                assertThat(now.get("etcd_mvcc_db_total_size_in_bytes")).isEqualTo((double) status.getDbSize());
                assertThat(now.get("etcd_mvcc_db_total_size_in_use_in_bytes"))
                        .isLessThanOrEqualTo(now.get("etcd_mvcc_db_total_size_in_bytes"));
            });
        }
        assertThat(before.get("process_resident_memory_bytes")).isPositive();
        try (Client c = TernHarness.client(servers.get(engine));
             Watch.Watcher w = c.getWatchClient().watch(bs("m/w"), r -> { })) {
            for (int i = 0; i < 5; i++) {
                c.getKVClient().put(bs("m/" + i), bs("v")).get(10, TimeUnit.SECONDS);
            }
            assertThat(catchThrowable(() -> c.getKVClient().put(bs(""), bs("v")).get(10, TimeUnit.SECONDS))).isNotNull();
            Eventually.within(Duration.ofSeconds(5), () -> assertThat(scrape(engine).get("etcd_mvcc_watcher_total")).isEqualTo(1.0));
            Map<String, Double> after = scrape(engine);
            assertThat(after.get("etcd_server_proposals_applied_total") - before.get("etcd_server_proposals_applied_total"))
                    .isGreaterThanOrEqualTo(5.0);
            assertThat(after.get("etcd_server_proposals_committed_total"))
                    .isGreaterThanOrEqualTo(after.get("etcd_server_proposals_applied_total"));
            assertThat(after).containsEntry("etcd_server_proposals_pending", 0.0).containsEntry("etcd_server_proposals_failed_total", 0.0);
            assertThat(after.get("etcd_debugging_mvcc_current_revision") - before.get("etcd_debugging_mvcc_current_revision"))
                    .isEqualTo(5.0);
            // Five new keys, then one of them deleted.
            c.getKVClient().delete(bs("m/0")).get(10, TimeUnit.SECONDS);
            Map<String, Double> keys = scrape(engine);
            assertThat(keys.get("etcd_debugging_mvcc_keys_total") - before.get("etcd_debugging_mvcc_keys_total"))
                    .isEqualTo(4.0);
            // Each of the six writes went through a durable log append, and the engine committed them to
            // its files (RocksDB with each write, MVStore within its commit interval); etcd's buckets.
            assertThat(keys.get("etcd_disk_wal_fsync_duration_seconds_count")
                    - before.get("etcd_disk_wal_fsync_duration_seconds_count")).isGreaterThanOrEqualTo(6.0);
            assertThat(keys.get("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"+Inf\"}"))
                    .isEqualTo(keys.get("etcd_disk_wal_fsync_duration_seconds_count"));
            assertThat(keys).containsKey("etcd_disk_wal_fsync_duration_seconds_bucket{le=\"0.001\"}");
            Eventually.within(Duration.ofSeconds(10), () -> assertThat(scrape(engine)
                    .get("etcd_disk_backend_commit_duration_seconds_count"))
                    .isGreaterThan(before.get("etcd_disk_backend_commit_duration_seconds_count")));
            assertThat(keys.get("etcd_server_quota_backend_bytes")).isEqualTo(2.0 * 1024 * 1024 * 1024);
            String put = "{grpc_method=\"Put\",grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}";
            assertThat(after.get("grpc_server_started_total" + put) - before.getOrDefault("grpc_server_started_total" + put, 0.0))
                    .isEqualTo(6.0);
            assertThat(after.get("grpc_server_handled_total{grpc_code=\"InvalidArgument\",grpc_method=\"Put\","
                    + "grpc_service=\"etcdserverpb.KV\",grpc_type=\"unary\"}")).isGreaterThanOrEqualTo(1.0);
        }
        // The same page on the client port.
        assertThat(get(servers.get(engine).clientPort(0), "/metrics").body()).contains("etcd_server_has_leader 1");
    }

    /** A probe: path, status, body. */
    record Probe(String path, int status, String body) {
        @Override
        public String toString() {
            return path;
        }
    }

    static List<Probe> probes() {
        return List.of(
                new Probe("/livez", 200, "ok\n"),
                new Probe("/livez?verbose", 200, "[+]serializable_read ok\nok\n"),
                new Probe("/readyz", 200, "ok\n"),
                new Probe("/readyz?verbose", 200, "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read ok\nok\n"),
                new Probe("/readyz?verbose&exclude=linearizable_read", 200,
                        "[+]data_corruption ok\n[+]serializable_read ok\n[+]linearizable_read excluded: ok\nok\n"),
                new Probe("/health", 200, "{\"health\":\"true\",\"reason\":\"\"}"),
                new Probe("/health?serializable=true", 200, "{\"health\":\"true\",\"reason\":\"\"}"));
    }

    Stream<Arguments> enginesAndProbes() {
        return TernHarness.engines().flatMap(e -> probes().stream().map(p -> Arguments.of(e, p)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("enginesAndProbes")
    void probesAnswerOnBothPorts(String engine, Probe probe) throws Exception {
        for (int port : List.of(metricsPorts.get(engine), servers.get(engine).clientPort(0))) {
            HttpResponse<String> res = get(port, probe.path());
            assertThat(res.statusCode()).as("%s on %d", probe.path(), port).isEqualTo(probe.status());
            assertThat(res.body()).isEqualTo(probe.body());
        }
    }
}
