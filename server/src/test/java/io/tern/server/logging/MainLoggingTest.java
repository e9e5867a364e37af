package io.tern.server.logging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Main as an operator runs it, in its own JVM: the logging flags decide where the JSON lines go. */
class MainLoggingTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** A member logging to a file: every line there is JSON, the start is logged, nothing goes to stderr. */
    @Test
    void aMemberLogsJsonLinesToItsFile(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("tern.log");
        Files.writeString(log, "{\"before\":\"kept\"}\n");
        String client = "http://127.0.0.1:" + freePort();
        String peer = "http://127.0.0.1:" + freePort();
        Process p = start(dir, List.of("--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", client, "--advertise-client-urls", client,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--log-outputs", log.toString(), "--log-level", "info"));
        try {
            JsonNode started = awaitLine(log, "serving clients on", p);
            assertThat(started.get("level").asString()).isEqualTo("info");
            assertThat(started.get("logger").asString()).isEqualTo("io.tern.server.TernServer");
            assertThat(started.get("ts").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(lines.getFirst()).isEqualTo("{\"before\":\"kept\"}");
        for (String line : lines) {
            assertThat(JSON.readTree(line).isObject()).as(line).isTrue();
        }
        assertThat(Files.readAllLines(dir.resolve("stderr"))).noneMatch(l -> l.startsWith("{"));
    }

    /** Bad flags and outputs stop Main before the member starts, on stderr, as one plain line. */
    record Refused(String name, Function<Path, List<String>> flags, int exit, Function<Path, String> stderr) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Refused> refused() {
        return List.of(
                new Refused("unknown level", d -> List.of("--log-level", "loud"), 2, d ->
                        "tern: --log-level: unrecognized level \"loud\" (expected debug, info, warn, error, panic or fatal)"),
                new Refused("capnslog", d -> List.of("--logger", "capnslog"), 2,
                        d -> "tern: --logger=capnslog is removed in v3.5"),
                new Refused("unwritable output", d -> List.of("--log-outputs", d.resolve("missing/tern.log").toString()), 1,
                        d -> "tern: cannot start: --log-outputs: open " + d.resolve("missing/tern.log")
                                + ": no such file or directory"));
    }

    @ParameterizedTest
    @MethodSource("refused")
    void badLoggingFlagsStopMain(Refused r, @TempDir Path dir) throws Exception {
        List<String> flags = new ArrayList<>(List.of("--data-dir", dir.resolve("data").toString()));
        flags.addAll(r.flags().apply(dir));
        Process p = start(dir, flags);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(r.exit());
        assertThat(Files.readAllLines(dir.resolve("stderr"))).contains(r.stderr().apply(dir));
        assertThat(dir.resolve("data")).doesNotExist();
    }

    private static Process start(Path dir, List<String> flags) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "io.tern.server.Main"));
        cmd.addAll(flags);
        return new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("stdout").toFile())
                .redirectError(dir.resolve("stderr").toFile())
                .start();
    }

    private static JsonNode awaitLine(Path log, String containing, Process p) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(log, StandardCharsets.UTF_8);
            for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) { // whole lines only
                JsonNode json = JSON.readTree(line);
                if (json.has("msg") && json.get("msg").asString().contains(containing)) {
                    return json;
                }
            }
            if (!p.isAlive()) {
                throw new AssertionError("member exited with " + p.exitValue() + "; log:\n" + Files.readString(log));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no line with '" + containing + "' within 60 s; log:\n" + Files.readString(log));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
