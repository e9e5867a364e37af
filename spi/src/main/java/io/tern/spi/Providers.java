package io.tern.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Selects one provider of a kind by its configured name.
 *
 * <p>Fails fast when no provider or several providers answer to the name; the message lists the names
 * that are available, so a typo in {@code --storage-backend} is self-explaining.
 */
public final class Providers {
    private static final System.Logger LOG = System.getLogger(Providers.class.getName());

    private Providers() {
    }

    /**
     * Loads every provider of {@code type} visible to {@code loader} and returns the one named {@code name}.
     *
     * @param kind a human name for the kind, used in messages ("storage engine")
     */
    public static <P> P select(Class<P> type, Function<P, String> nameOf, String name, String kind, ClassLoader loader) {
        List<P> all = new ArrayList<>();
        ServiceLoader.load(type, loader).forEach(all::add);
        return select(all, nameOf, name, kind);
    }

    /** Selects among an explicit list of providers; the same rules as {@link #select(Class, Function, String, String, ClassLoader)}. */
    public static <P> P select(List<P> all, Function<P, String> nameOf, String name, String kind) {
        TreeSet<String> names = new TreeSet<>();
        List<P> matches = new ArrayList<>();
        for (P p : all) {
            String n = nameOf.apply(p);
            names.add(n);
            if (n.equals(name)) {
                matches.add(p);
            }
        }
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("No " + kind + " named '" + name + "'; available: "
                    + (names.isEmpty() ? "(none)" : String.join(", ", names)));
        }
        if (matches.size() > 1) {
            List<String> classes = matches.stream().map(p -> p.getClass().getName()).toList();
            throw new IllegalStateException(
                    "Several " + kind + " providers are named '" + name + "': " + String.join(", ", classes));
        }
        P chosen = matches.get(0);
        LOG.log(System.Logger.Level.INFO, "Using {0} ''{1}'' ({2}); available: {3}",
                kind, name, chosen.getClass().getName(), String.join(", ", names));
        return chosen;
    }
}
