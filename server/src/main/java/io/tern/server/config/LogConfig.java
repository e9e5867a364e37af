package io.tern.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How the member logs, from etcd 3.5's logging flags: {@code --logger} (only {@code zap}),
 * {@code --log-level}, {@code --log-outputs}, {@code --enable-log-rotation}. The format is zap's: one
 * JSON object per line.
 *
 * @param level   the least severe level written
 * @param outputs where every line goes, in flag order, each once; never empty
 */
public record LogConfig(Level level, List<Output> outputs) {
    /** etcd's defaults: {@code --log-level info --log-outputs default}. */
    public static final LogConfig DEFAULT = new LogConfig(Level.INFO, List.of(new Output.Stderr()));

    public LogConfig {
        outputs = List.copyOf(outputs);
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("--log-outputs: at least one output is needed");
        }
    }

    /**
     * zap's levels as {@code --log-level} names them. {@code panic} and {@code fatal} write the same lines
     * as {@code error}: Tern never stops or throws because of a log call.
     */
    public enum Level {
        DEBUG, INFO, WARN, ERROR, PANIC, FATAL;

        /** The name as the flag spells it. */
        public String flagValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A destination of log lines. */
    public sealed interface Output {
        /** {@code stderr}, also what {@code default} means. */
        record Stderr() implements Output {
        }

        /** {@code stdout}. */
        record Stdout() implements Output {
        }

        /** Any other value: a file, created when missing and appended to; its directory must exist. */
        record AppendTo(Path file) implements Output {
        }
    }

    /**
     * Checks the flags as etcd 3.5 does.
     *
     * @param outputs comma-separated; empty means {@code default}
     * @throws IllegalArgumentException naming the flag, for {@code --logger capnslog} (removed in 3.5), any
     *                                  other logger, an unknown level, {@code default} among several outputs,
     *                                  {@code systemd/journal}, or rotation asked for
     */
    static LogConfig fromFlags(String logger, String level, String outputs, boolean enableLogRotation) {
        switch (logger) {
            case "zap" -> { }
            case "capnslog" -> throw new IllegalArgumentException("--logger=capnslog is removed in v3.5");
            default -> throw new IllegalArgumentException("unknown logger option \"" + logger + "\"");
        }
        List<Output> parsed = parseOutputs(outputs);
        if (enableLogRotation) {
            throw new IllegalArgumentException("--enable-log-rotation: Tern does not rotate its logs; rotate the "
                    + "--log-outputs file with an external tool (it is opened for appending, so logrotate's "
                    + "copytruncate works)");
        }
        return new LogConfig(parseLevel(level), parsed);
    }

    private static Level parseLevel(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        for (Level l : Level.values()) {
            if (l.name().equals(v)) {
                return l;
            }
        }
        throw new IllegalArgumentException("--log-level: unrecognized level \"" + value
                + "\" (expected debug, info, warn, error, panic or fatal)");
    }

    private static List<Output> parseOutputs(String csv) {
        List<String> values = new ArrayList<>();
        for (String part : csv.split(",")) {
            String v = part.trim();
            if (!v.isEmpty()) {
                values.add(v);
            }
        }
        if (values.isEmpty()) {
            values.add("default");
        }
        if (values.size() > 1 && values.contains("default")) {
            throw new IllegalArgumentException("--log-outputs: multi logoutput for \"default\" is not supported yet");
        }
        Set<Output> out = new LinkedHashSet<>();
        for (String v : values) {
            out.add(switch (v) {
                case "default", "stderr" -> new Output.Stderr();
                case "stdout" -> new Output.Stdout();
                case "systemd/journal" -> throw new IllegalArgumentException("--log-outputs: systemd/journal is not "
                        + "supported by Tern; use stderr (systemd's journal captures it)");
                default -> new Output.AppendTo(Path.of(v).normalize());
            });
        }
        return List.copyOf(out);
    }
}
