package io.tern.server;

import io.etcd.jetcd.Client;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One running member per storage engine, shared by the tests of a class, with a jetcd client and a raw
 * gRPC client for each (made on first use).
 */
public final class EngineServers implements AutoCloseable {
    private final Map<String, TernServer> servers = new LinkedHashMap<>();
    private final Map<String, Client> clients = new LinkedHashMap<>();
    private final Map<String, RawClient> raw = new LinkedHashMap<>();

    /** Starts a member for every engine in {@link TernHarness#ENGINES}, each in its own folder of {@code dir}. */
    public EngineServers(Path dir) {
        for (String engine : TernHarness.ENGINES) {
            servers.put(engine, TernHarness.start(dir.resolve(engine), engine));
        }
    }

    public TernServer server(String engine) {
        return servers.get(engine);
    }

    public synchronized Client client(String engine) {
        return clients.computeIfAbsent(engine, e -> TernHarness.client(servers.get(e)));
    }

    public synchronized RawClient raw(String engine) {
        return raw.computeIfAbsent(engine, e -> new RawClient(servers.get(e)));
    }

    @Override
    public void close() {
        clients.values().forEach(Client::close);
        raw.values().forEach(RawClient::close);
        servers.values().forEach(TernServer::close);
    }
}
