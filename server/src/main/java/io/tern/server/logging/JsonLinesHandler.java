package io.tern.server.logging;

import io.tern.server.config.LogConfig;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Writes each record, formatted once, as UTF-8 to every output of a {@link LogConfig}, flushing after each
 * record so a line is whole on disk or on the terminal before the call returns. Records are written one at
 * a time (publish is synchronized), so lines from several threads never interleave. A failed write is
 * reported once through the {@link ErrorManager} and does not stop the other outputs. Closing closes the
 * files this handler opened; stdout and stderr are only flushed.
 */
public final class JsonLinesHandler extends Handler {
    private record Target(Writer writer, boolean owned) {
    }

    private final List<Target> targets;

    private JsonLinesHandler(List<Target> targets, Formatter formatter) {
        this.targets = List.copyOf(targets);
        setFormatter(formatter);
    }

    /**
     * Opens every output now, so a file that cannot be written fails the start rather than the first
     * record. Files are created when missing and appended to, never truncated.
     *
     * @param stdout what {@code stdout} means (System.out in Main)
     * @param stderr what {@code stderr} and {@code default} mean (System.err in Main)
     * @throws IllegalArgumentException {@code --log-outputs: open PATH: REASON} for the first file that cannot
     *                                  be opened; the ones opened before it are closed again
     */
    public static JsonLinesHandler open(List<LogConfig.Output> outputs, Formatter formatter, PrintStream stdout,
                                        PrintStream stderr) {
        List<Target> targets = new ArrayList<>();
        try {
            for (LogConfig.Output output : outputs) {
                targets.add(switch (output) {
                    case LogConfig.Output.Stderr s -> new Target(utf8(stderr), false);
                    case LogConfig.Output.Stdout s -> new Target(utf8(stdout), false);
                    case LogConfig.Output.AppendTo a -> new Target(utf8(append(a.file())), true);
                });
            }
        } catch (IllegalArgumentException e) {
            new JsonLinesHandler(targets, formatter).close();
            throw e;
        }
        return new JsonLinesHandler(targets, formatter);
    }

    private static OutputStream append(Path file) {
        try {
            return new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE));
        } catch (IOException e) {
            throw new IllegalArgumentException("--log-outputs: open " + file + ": " + reason(e), e);
        }
    }

    private static Writer utf8(OutputStream out) {
        return new OutputStreamWriter(out, StandardCharsets.UTF_8);
    }

    /** The operating system's words, as Go prints them ("permission denied"), when Java kept them. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason().toLowerCase(java.util.Locale.ROOT);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public synchronized void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String line;
        try {
            line = getFormatter().format(record);
        } catch (RuntimeException e) {
            reportError(null, e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        for (Target t : targets) {
            try {
                t.writer().write(line);
                t.writer().flush();
            } catch (IOException e) {
                reportError(null, e, ErrorManager.WRITE_FAILURE);
            }
        }
    }

    @Override
    public synchronized void flush() {
        for (Target t : targets) {
            try {
                t.writer().flush();
            } catch (IOException e) {
                reportError(null, e, ErrorManager.FLUSH_FAILURE);
            }
        }
    }

    @Override
    public synchronized void close() {
        flush();
        for (Target t : targets) {
            if (t.owned()) {
                try {
                    t.writer().close();
                } catch (IOException e) {
                    reportError(null, e, ErrorManager.CLOSE_FAILURE);
                }
            }
        }
    }
}
