package io.tern.server.config;

import picocli.CommandLine;

import java.util.Map;

/**
 * Supplies a flag's value from {@code ETCD_<FLAG>} when the flag is absent from the command line.
 * The environment map is injectable so tests need not touch the real one.
 */
public final class EtcdEnvironment implements CommandLine.IDefaultValueProvider {
    private final Map<String, String> env;

    public EtcdEnvironment() {
        this(System.getenv());
    }

    public EtcdEnvironment(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** {@code --data-dir} → {@code ETCD_DATA_DIR}. */
    public static String variableFor(String longFlag) {
        return "ETCD_" + longFlag.replaceFirst("^--", "").replace('-', '_').toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec spec) {
        if (spec instanceof CommandLine.Model.OptionSpec option) {
            String v = env.get(variableFor(option.longestName()));
            if (v != null) {
                return v;
            }
        }
        return spec.defaultValue();
    }
}
