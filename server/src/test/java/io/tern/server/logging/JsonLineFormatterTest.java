package io.tern.server.logging;

import io.tern.api.error.EtcdError;
import io.tern.api.error.EtcdException;
import io.tern.server.logging.JsonLineFormatter.StackTraces;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** One zap-style JSON object per record: fields, levels, escaping, and when a stack trace is written. */
class JsonLineFormatterTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant AT = Instant.parse("2026-11-21T10:00:00.123456Z");

    /** A record and the fields its line must hold; a {@code null} value means the field must be absent. */
    record Case(String name, StackTraces policy, LogRecord record, Map<String, String> fields) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static LogRecord record(Level level, String msg, Throwable thrown, Object... params) {
        LogRecord r = new LogRecord(level, msg);
        r.setInstant(AT);
        r.setLoggerName("io.tern.server.TernServer");
        r.setThrown(thrown);
        r.setParameters(params.length == 0 ? null : params);
        return r;
    }

    private static Map<String, String> fields(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    static List<Case> cases() {
        StackTraces usual = StackTraces.UNEXPECTED_ERRORS;
        LogRecord anonymous = record(Level.INFO, "no logger", null);
        anonymous.setLoggerName(null);
        return List.of(
                new Case("the zap fields", usual, record(Level.INFO, "started", null), fields("level", "info",
                        "ts", "2026-11-21T10:00:00.123Z", "logger", "io.tern.server.TernServer", "msg", "started",
                        "error", null, "stacktrace", null, "caller", null)),
                new Case("SEVERE is error", usual, record(Level.SEVERE, "m", null), fields("level", "error")),
                new Case("WARNING is warn", usual, record(Level.WARNING, "m", null), fields("level", "warn")),
                new Case("CONFIG is info", usual, record(Level.CONFIG, "m", null), fields("level", "info")),
                new Case("FINE is debug", usual, record(Level.FINE, "m", null), fields("level", "debug")),
                new Case("FINER is debug", usual, record(Level.FINER, "m", null), fields("level", "debug")),
                new Case("FINEST is debug", usual, record(Level.FINEST, "m", null), fields("level", "debug")),
                new Case("a level between counts as the one below", usual,
                        record(Level.parse("950"), "m", null), fields("level", "warn")),
                new Case("parameters filled in", usual, record(Level.INFO, "member {0} joined {1}", null, "m1", "c"),
                        fields("msg", "member m1 joined c")),
                new Case("no logger name", usual, anonymous, fields("logger", null, "msg", "no logger")),
                new Case("no message", usual, record(Level.INFO, null, null), fields("msg", "")),
                new Case("quotes and backslashes", usual, record(Level.INFO, "say \"hi\" to C:\\tern", null),
                        fields("msg", "say \"hi\" to C:\\tern")),
                new Case("newlines, tabs and control characters", usual,
                        record(Level.INFO, "a\nb\r\nc\td\u0000e\u001bf\u007fg", null),
                        fields("msg", "a\nb\r\nc\td\u0000e\u001bf\u007fg")),
                new Case("unicode, beyond the BMP too", usual, record(Level.INFO, "clé 键 \uD83D\uDE80 \u2028end", null),
                        fields("msg", "clé 键 \uD83D\uDE80 \u2028end")),
                new Case("HTML characters as they are", usual, record(Level.INFO, "<a href='x'>&</a>", null),
                        fields("msg", "<a href='x'>&</a>")),
                new Case("an expected error: its message, no stack", usual,
                        record(Level.WARNING, "lease expiry proposal failed", new EtcdException(EtcdError.LEADER_CHANGED)),
                        fields("error", EtcdError.LEADER_CHANGED.message(), "stacktrace", null)),
                new Case("the cause chain, each message once", usual, record(Level.WARNING, "snapshot failed",
                        new IllegalStateException("cannot save", new IOException("disk full"))),
                        fields("error", "cannot save: disk full", "stacktrace", null)),
                new Case("wrappers that repeat their cause are skipped", usual, record(Level.WARNING, "round failed",
                        new CompletionException(new UncheckedIOException(new IOException("broken pipe")))),
                        fields("error", "broken pipe")),
                new Case("a message quoting its cause's is not repeated", usual, record(Level.WARNING, "m",
                        new IllegalStateException("open failed: permission denied",
                                new IOException("permission denied"))),
                        fields("error", "open failed: permission denied")),
                new Case("no message: the class name", usual, record(Level.WARNING, "m", new NullPointerException()),
                        fields("error", "NullPointerException", "stacktrace", null)),
                new Case("escaping inside the error", usual, record(Level.WARNING, "m",
                        new IllegalArgumentException("bad \"key\"\nline")), fields("error", "bad \"key\"\nline")),
                new Case("an unexpected error has its stack", usual, record(Level.SEVERE, "apply failed",
                        new IllegalStateException("broken invariant")), fields("error", "broken invariant",
                        "stacktrace", "java.lang.IllegalStateException: broken invariant\n\tat ")),
                new Case("etcd's error at SEVERE is still expected", usual, record(Level.SEVERE, "m",
                        new CompletionException(new EtcdException(EtcdError.TIMEOUT))), fields("stacktrace", null)),
                new Case("at debug every throwable has its stack", StackTraces.EVERY_THROWABLE,
                        record(Level.WARNING, "m", new IOException("reset")),
                        fields("error", "reset", "stacktrace", "java.io.IOException: reset\n\tat ")));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void writesOneJsonObjectPerLine(Case c) {
        String line = new JsonLineFormatter(c.policy()).format(c.record());

        assertThat(line).endsWith("\n");
        assertThat(line.substring(0, line.length() - 1)).doesNotContain("\n", "\r", "\u2028").startsWith("{\"level\":");
        assertThat(line.chars().filter(ch -> ch < 0x20 && ch != '\n')).isEmpty();
        JsonNode json = JSON.readTree(line);
        assertThat(json.isObject()).isTrue();
        c.fields().forEach((field, expected) -> {
            if (expected == null) {
                assertThat(json.has(field)).as(field).isFalse();
            } else if (field.equals("stacktrace")) {
                assertThat(json.get(field).asString()).as(field).startsWith(expected);
            } else {
                assertThat(json.get(field).asString()).as(field).isEqualTo(expected);
            }
        });
    }

    /** Fields come in zap's order, so lines read alike. */
    @org.junit.jupiter.api.Test
    void fieldsInZapsOrder() {
        String line = new JsonLineFormatter(StackTraces.UNEXPECTED_ERRORS)
                .format(record(Level.SEVERE, "m", new IllegalStateException("x")));
        List<String> names = new java.util.ArrayList<>();
        JSON.readTree(line).propertyNames().forEach(names::add);
        assertThat(names).containsExactly("level", "ts", "logger", "msg", "error", "stacktrace");
    }
}
