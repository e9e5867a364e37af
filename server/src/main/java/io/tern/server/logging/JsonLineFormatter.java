package io.tern.server.logging;

import com.google.gson.stream.JsonWriter;
import io.tern.api.error.EtcdException;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

/**
 * Formats a record as one line of JSON in zap's production shape, as etcd writes it:
 * <pre>
 * {"level":"warn","ts":"2026-11-21T10:00:00.123Z","logger":"io.tern.server.TernServer","msg":"...","error":"..."}
 * </pre>
 * <ul>
 *   <li>{@code level}: JUL's SEVERE is {@code error}, WARNING {@code warn}, INFO and CONFIG {@code info}, FINE
 *       and below {@code debug} (levels between these count as the one below them).</li>
 *   <li>{@code ts}: the record's instant in UTC, to the millisecond.</li>
 *   <li>{@code logger}: the JUL logger name, left out when the record has none.</li>
 *   <li>{@code msg}: the message with its {@code {0}} parameters filled in; never absent.</li>
 *   <li>{@code error}: present with a throwable: its message and those of its causes, joined by ": ", a
 *       cause left out when an earlier message already holds it; a throwable without a message shows its
 *       class's simple name.</li>
 *   <li>{@code stacktrace}: the throwable's stack trace (causes included), only when it is unexpected: a
 *       SEVERE record whose throwable has no {@link EtcdException} in its chain (etcd's own errors are
 *       expected conditions). With {@link StackTraces#EVERY_THROWABLE} (for {@code --log-level debug})
 *       every throwable gets one. zap likewise adds stack traces from error level up.</li>
 * </ul>
 * zap's {@code caller} is left out: JUL does not record source lines, and finding them means walking
 * the stack on every record. Strings are escaped by Gson's {@link JsonWriter} (quotes, backslashes, control
 * characters, U+2028/U+2029); other non-ASCII characters are written as they are, so the line must be
 * encoded as UTF-8. The result ends with a single {@code \n} and holds no other line break.
 */
public final class JsonLineFormatter extends Formatter {
    /** Which throwables get a {@code stacktrace} field. */
    public enum StackTraces {
        /** SEVERE records whose throwable is not one of etcd's errors. */
        UNEXPECTED_ERRORS,
        /** Every record with a throwable. */
        EVERY_THROWABLE
    }

    private static final DateTimeFormatter TS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    /** Bounds the walk down a cause chain that a broken exception could make endless. */
    private static final int MAX_CAUSES = 32;

    private final StackTraces stackTraces;

    public JsonLineFormatter(StackTraces stackTraces) {
        this.stackTraces = stackTraces;
    }

    @Override
    public String format(LogRecord record) {
        StringWriter line = new StringWriter(160);
        try (JsonWriter json = new JsonWriter(line)) {
            json.setHtmlSafe(false);
            json.beginObject();
            json.name("level").value(level(record.getLevel()));
            json.name("ts").value(TS.format(record.getInstant()));
            if (record.getLoggerName() != null) {
                json.name("logger").value(record.getLoggerName());
            }
            String msg = formatMessage(record);
            json.name("msg").value(msg == null ? "" : msg);
            Throwable thrown = record.getThrown();
            if (thrown != null) {
                json.name("error").value(error(thrown));
                if (stackTraces == StackTraces.EVERY_THROWABLE || unexpected(record.getLevel(), thrown)) {
                    json.name("stacktrace").value(stackTrace(thrown));
                }
            }
            json.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return line.append('\n').toString();
    }

    /** zap's lower-case name for a JUL level. */
    public static String level(Level level) {
        int v = level.intValue();
        if (v >= Level.SEVERE.intValue()) {
            return "error";
        }
        if (v >= Level.WARNING.intValue()) {
            return "warn";
        }
        if (v >= Level.CONFIG.intValue()) {
            return "info";
        }
        return "debug";
    }

    /** The {@code error} field: the messages down the cause chain, each once. */
    static String error(Throwable thrown) {
        StringBuilder out = new StringBuilder();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Throwable t = thrown;
        for (int i = 0; t != null && i < MAX_CAUSES && seen.add(t); i++, t = t.getCause()) {
            String message = t.getMessage();
            if (t.getCause() != null && message != null && message.equals(t.getCause().toString())) {
                continue; // a wrapper made by new X(cause): its cause says the same without the class name
            }
            String text = message == null || message.isBlank() ? t.getClass().getSimpleName() : message;
            if (out.indexOf(text) >= 0) {
                continue;
            }
            if (!out.isEmpty()) {
                out.append(": ");
            }
            out.append(text);
        }
        return out.toString();
    }

    private static boolean unexpected(Level level, Throwable thrown) {
        if (level.intValue() < Level.SEVERE.intValue()) {
            return false;
        }
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = thrown; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof EtcdException) {
                return false;
            }
        }
        return true;
    }

    private static String stackTrace(Throwable thrown) {
        StringWriter out = new StringWriter();
        try (PrintWriter w = new PrintWriter(out)) {
            thrown.printStackTrace(w);
        }
        return out.toString().stripTrailing();
    }
}
