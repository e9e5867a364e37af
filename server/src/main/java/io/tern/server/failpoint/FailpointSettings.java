package io.tern.server.failpoint;

import io.tern.spi.failpoint.Failpoint;
import io.tern.spi.failpoint.Failpoints;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The failpoints a member was started with, parsed once from the {@value #PROPERTY} system property (read
 * by {@code Main} alone) and handed to the code the points are compiled into as {@link Failpoints}.
 *
 * <pre>
 *  -Dtern.failpoints=compactAfterCommitBatch=crash
 *  -Dtern.failpoints=applySnapshotMidway=crash,compactAfterCommitBatch=sleep(500)
 * </pre>
 *
 * Grammar: {@code point=action} pairs separated by commas; a point is a {@link Failpoints.Name}, an action is
 * {@code crash} or {@code sleep(<milliseconds>)}; blanks around the parts are ignored. Unknown points,
 * unknown actions, a point named twice and an empty pair are refused with a message naming the part. An
 * absent or blank property enables nothing ({@link #NONE}).
 */
public final class FailpointSettings implements Failpoints {
    /** The system property tests set on a member's JVM. */
    public static final String PROPERTY = "tern.failpoints";
    /** Nothing enabled. */
    public static final FailpointSettings NONE = new FailpointSettings(Map.of());

    private static final Pattern SLEEP = Pattern.compile("sleep\\(\\s*(\\d{1,9})\\s*\\)");

    private final Map<Name, FailpointAction> actions;

    private FailpointSettings(Map<Name, FailpointAction> actions) {
        this.actions = actions.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(actions));
    }

    /** Settings enabling exactly {@code actions}. */
    public static FailpointSettings of(Map<Name, FailpointAction> actions) {
        return actions.isEmpty() ? NONE : new FailpointSettings(actions);
    }

    /**
     * Parses a specification (the grammar above); {@code null} or blank is {@link #NONE}.
     *
     * @throws IllegalArgumentException naming the property and the part that is wrong
     */
    public static FailpointSettings parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        Map<Name, FailpointAction> actions = new EnumMap<>(Name.class);
        for (String pair : spec.split(",", -1)) {
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw refused(spec, "'" + pair.trim() + "' is not point=action");
            }
            String point = pair.substring(0, eq).trim();
            Name name = Name.of(point).orElseThrow(() -> refused(spec, "no failpoint named '" + point
                    + "'; there are " + Arrays.stream(Name.values()).map(Name::text).collect(Collectors.joining(", "))));
            FailpointAction action = action(spec, pair.substring(eq + 1).trim());
            if (actions.put(name, action) != null) {
                throw refused(spec, "failpoint " + name + " is named twice");
            }
        }
        return new FailpointSettings(actions);
    }

    private static FailpointAction action(String spec, String text) {
        if (text.equals("crash")) {
            return new FailpointAction.Crash();
        }
        Matcher sleep = SLEEP.matcher(text);
        if (sleep.matches()) {
            return new FailpointAction.Sleep(Duration.ofMillis(Long.parseLong(sleep.group(1))));
        }
        throw refused(spec, "unknown action '" + text + "'; expected crash or sleep(<milliseconds>)");
    }

    private static IllegalArgumentException refused(String spec, String why) {
        return new IllegalArgumentException("-D" + PROPERTY + "=" + spec + ": " + why);
    }

    /** The enabled points and their actions. */
    public Map<Name, FailpointAction> actions() {
        return actions;
    }

    public boolean isEmpty() {
        return actions.isEmpty();
    }

    @Override
    public Failpoint point(Name name) {
        FailpointAction action = actions.get(name);
        if (action == null) {
            return Failpoint.OFF;
        }
        String text = name.text();
        return () -> action.perform(text);
    }

    /** The specification this parses back from, in point order. */
    @Override
    public String toString() {
        return actions.entrySet().stream().map(e -> e.getKey().text() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }
}
