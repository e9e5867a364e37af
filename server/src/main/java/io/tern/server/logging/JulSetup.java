package io.tern.server.logging;

import io.tern.server.config.LogConfig;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Points java.util.logging, and through it System.Logger, Helidon and SOFAJRaft/SOFABolt (slf4j-jdk14), at
 * the outputs of a {@link LogConfig}, one JSON line per record ({@link JsonLineFormatter}).
 * <p>
 * What {@link #install} leaves in the JVM's {@link LogManager}:
 * <ul>
 *   <li>the root logger's handlers are one {@link JsonLinesHandler}; any handler configured before
 *       (the JDK's console handler, a {@code handlers=} line of a JUL file) is closed and removed;</li>
 *   <li>the root level is {@code --log-level}'s ({@link #threshold});</li>
 *   <li>libraries that are chatty at info ({@link #QUIET}) log only at their quieter level or the root's,
 *       whichever is higher, except at {@code debug}, where they follow the root;</li>
 *   <li>levels a JUL properties file sets for named loggers (given with
 *       {@code -Djava.util.logging.config.file}) are kept, and win over the quieter defaults.</li>
 * </ul>
 * Levels are set as LogManager properties, so loggers that libraries create later pick them up too.
 * Meant to be called once, by {@code Main}, before the member starts.
 */
public final class JulSetup {
    /**
     * Library loggers and their level when Tern does not log at debug: SOFAJRaft and Helidon report
     * routine events at info, SOFABolt (the peer transport) every connection attempt and refusal.
     */
    static final Map<String, Level> QUIET = Map.of(
            "com.alipay.sofa.jraft", Level.WARNING,
            "io.helidon", Level.WARNING,
            "com.alipay.sofa.common.log", Level.SEVERE);

    private JulSetup() {
    }

    /**
     * Opens the outputs (failing before anything changes if one cannot be written) and makes them the
     * only destination of every logger in the JVM.
     *
     * @throws IllegalArgumentException when an output file cannot be opened, naming it
     */
    public static void install(LogConfig config, PrintStream stdout, PrintStream stderr) {
        JsonLineFormatter formatter = new JsonLineFormatter(config.level() == LogConfig.Level.DEBUG
                ? JsonLineFormatter.StackTraces.EVERY_THROWABLE : JsonLineFormatter.StackTraces.UNEXPECTED_ERRORS);
        JsonLinesHandler handler = JsonLinesHandler.open(config.outputs(), formatter, stdout, stderr);
        LogManager manager = LogManager.getLogManager();
        try {
            manager.updateConfiguration(new ByteArrayInputStream(propertiesText(levels(config))), JulSetup::merge);
        } catch (IOException e) {
            handler.close();
            throw new UncheckedIOException(e); // read from memory; cannot happen
        }
        Logger root = manager.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
            h.close();
        }
        root.setLevel(threshold(config.level()));
        root.addHandler(handler);
    }

    /** The JUL level that lets through exactly the records {@code --log-level} writes. */
    public static Level threshold(LogConfig.Level level) {
        return switch (level) {
            case DEBUG -> Level.FINE; // System.Logger's DEBUG and slf4j's debug; TRACE (FINER) stays out
            case INFO -> Level.INFO;
            case WARN -> Level.WARNING;
            case ERROR, PANIC, FATAL -> Level.SEVERE;
        };
    }

    /**
     * The LogManager properties {@code config} asks for: {@code .level} and, below debug, a
     * {@code NAME.level} for each {@link #QUIET} library.
     */
    static Map<String, String> levels(LogConfig config) {
        Level root = threshold(config.level());
        Map<String, String> out = new TreeMap<>();
        out.put(".level", root.getName());
        if (config.level() != LogConfig.Level.DEBUG) {
            QUIET.forEach((name, quiet) ->
                    out.put(name + ".level", (quiet.intValue() > root.intValue() ? quiet : root).getName()));
        }
        return out;
    }

    /**
     * How the properties already loaded ({@code old}) and Tern's ({@code ours}) combine: the root level is
     * ours, root handlers are dropped (ours are added in code), and any other key keeps an explicit
     * setting from a JUL file over Tern's default.
     */
    private static BiFunction<String, String, String> merge(String key) {
        return switch (key) {
            case ".level" -> (old, ours) -> ours;
            case "handlers" -> (old, ours) -> null;
            default -> (old, ours) -> old != null ? old : ours;
        };
    }

    private static byte[] propertiesText(Map<String, String> levels) {
        Properties p = new Properties();
        p.putAll(levels);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            p.store(out, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
