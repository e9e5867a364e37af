package io.tern.server.logging;

import io.tern.server.config.LogConfig.Output;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Every output of --log-outputs gets each line whole, as UTF-8; files are appended to and checked at open. */
class JsonLinesHandlerTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Outputs (files relative to a temporary directory) and which of stdout, stderr, the file get the line. */
    record Case(String name, Function<Path, List<Output>> outputs, boolean stdout, boolean stderr, boolean file) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("stderr", d -> List.of(new Output.Stderr()), false, true, false),
                new Case("stdout", d -> List.of(new Output.Stdout()), true, false, false),
                new Case("a file", d -> List.of(new Output.AppendTo(d.resolve("tern.log"))), false, false, true),
                new Case("all three", d -> List.of(new Output.Stdout(), new Output.AppendTo(d.resolve("tern.log")),
                        new Output.Stderr()), true, true, true));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void writesEachRecordToEveryOutput(Case c, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("tern.log");
        Files.writeString(file, "kept\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        JsonLinesHandler handler = JsonLinesHandler.open(c.outputs().apply(dir),
                new JsonLineFormatter(JsonLineFormatter.StackTraces.UNEXPECTED_ERRORS),
                new PrintStream(out, true, StandardCharsets.US_ASCII), new PrintStream(err, true, StandardCharsets.US_ASCII));
        Logger logger = isolatedLogger(handler);
        logger.log(Level.WARNING, "clé {0}", "键");
        logger.log(Level.FINE, "below the logger's level");
        handler.close();

        String line = "{\"level\":\"warn\"";
        assertThat(out.toString(StandardCharsets.UTF_8)).satisfies(s -> check(s, c.stdout(), line));
        assertThat(err.toString(StandardCharsets.UTF_8)).satisfies(s -> check(s, c.stderr(), line));
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines.getFirst()).isEqualTo("kept");
        assertThat(lines).hasSize(c.file() ? 2 : 1);
        if (c.file()) {
            JsonNode json = JSON.readTree(lines.get(1));
            assertThat(json.get("msg").asString()).isEqualTo("clé 键");
            assertThat(json.get("logger").asString()).isEqualTo(logger.getName());
        }
    }

    private static void check(String written, boolean expected, String start) {
        if (expected) {
            assertThat(written).startsWith(start).endsWith("\n").hasLineCount(1);
            assertThat(JSON.readTree(written).get("msg").asString()).isEqualTo("clé 键");
        } else {
            assertThat(written).isEmpty();
        }
    }

    private static Logger isolatedLogger(JsonLinesHandler handler) {
        Logger logger = Logger.getLogger(JsonLinesHandlerTest.class.getName() + "." + java.util.UUID.randomUUID());
        logger.setUseParentHandlers(false);
        logger.setLevel(Level.INFO);
        logger.addHandler(handler);
        return logger;
    }

    /** Closing leaves the process's own streams open. */
    @Test
    void closingKeepsStdoutAndStderrOpen() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        JsonLinesHandler.open(List.of(new Output.Stderr()), new JsonLineFormatter(JsonLineFormatter.StackTraces.UNEXPECTED_ERRORS),
                System.out, stream).close();
        stream.print("still open");
        assertThat(stream.checkError()).isFalse();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("still open");
    }

    record Unwritable(String name, Function<Path, Path> file, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Unwritable> unwritable() {
        return List.of(
                new Unwritable("missing directory", d -> d.resolve("no/such/dir/tern.log"), "no such file or directory"),
                new Unwritable("a directory", d -> d, "is a directory"));
    }

    /** Opening fails at once, naming the file, so the member does not start without its logs. */
    @ParameterizedTest
    @MethodSource("unwritable")
    void anUnwritableFileFailsAtOpen(Unwritable u, @TempDir Path dir) {
        Path file = u.file().apply(dir);
        Throwable t = catchThrowable(() -> JsonLinesHandler.open(List.of(new Output.Stderr(), new Output.AppendTo(file)),
                new JsonLineFormatter(JsonLineFormatter.StackTraces.UNEXPECTED_ERRORS), System.out, System.err));
        assertThat(t).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--log-outputs: open " + file + ": " + u.message());
    }
}
