package io.tern.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tern.api.error.EtcdError;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.spi.consensus.ConsensusEngine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * etcd's probes. {@code GET /health}: healthy when this member has a leader and a linearizable read
 * barrier completes within a second ({@code ?serializable=true} skips the barrier), etcd's JSON body.
 * {@code GET /livez} and {@code /readyz}, in the Kubernetes style etcd follows: named checks (livez:
 * {@code serializable_read}; readyz: {@code data_corruption}, {@code serializable_read},
 * {@code linearizable_read}), any of them skipped with {@code ?exclude=NAME}, answered {@code ok} or,
 * with {@code ?verbose} or on failure, one {@code [+]name ok} / {@code [-]name failed: reason} line per
 * check; a failure answers 503. {@code GET /version}: the etcd API level.
 */
public final class HealthRoutes implements HttpService {
    private final ConsensusEngine consensus;
    private final LongSupplier localRevision;

    /** @param localRevision a serializable read of this member's store (its current revision) */
    public HealthRoutes(ConsensusEngine consensus, LongSupplier localRevision) {
        this.consensus = consensus;
        this.localRevision = localRevision;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health)
                .get("/livez", (req, res) -> probe("livez", List.of("serializable_read"), req, res))
                .get("/readyz", (req, res) -> probe("readyz",
                        List.of("data_corruption", "serializable_read", "linearizable_read"), req, res))
                .get("/version", this::version);
    }

    private void health(ServerRequest req, ServerResponse res) {
        boolean serializable = req.query().first("serializable").map("true"::equals).orElse(false);
        String reason = "";
        if (consensus.status().leader().isEmpty()) {
            reason = "RAFT NO LEADER";
        } else if (!serializable && linearizableRead() != null) {
            reason = "RAFT READ FAILED";
        }
        boolean ok = reason.isEmpty();
        res.status(ok ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        json(res, "{\"health\":\"" + ok + "\",\"reason\":\"" + reason + "\"}");
    }

    private void probe(String path, List<String> checks, ServerRequest req, ServerResponse res) {
        Set<String> excluded = Set.copyOf(req.query().all("exclude", List::of));
        boolean verbose = req.query().contains("verbose");
        Map<String, String> failures = new LinkedHashMap<>();
        List<String> lines = new ArrayList<>();
        for (String check : checks) {
            if (excluded.contains(check)) {
                lines.add("[+]" + check + " excluded: ok");
                continue;
            }
            String failure = run(check);
            if (failure == null) {
                lines.add("[+]" + check + " ok");
            } else {
                failures.put(check, failure);
                lines.add("[-]" + check + " failed: " + failure);
            }
        }
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        if (!failures.isEmpty()) {
            res.status(Status.SERVICE_UNAVAILABLE_503);
            res.send(String.join("\n", lines) + "\n" + path + " check failed\n");
        } else if (verbose) {
            res.send(String.join("\n", lines) + "\nok\n");
        } else {
            res.send("ok\n");
        }
    }

    /** Null when the check passes, else why it failed. */
    private String run(String check) {
        return switch (check) {
            // Tern keeps no corruption alarm yet: nothing can have raised one.
            case "data_corruption" -> null;
            case "serializable_read" -> serializableRead();
            case "linearizable_read" -> linearizableRead();
            default -> throw new IllegalArgumentException("unknown check " + check);
        };
    }

    private String serializableRead() {
        try {
            localRevision.getAsLong();
            return null;
        } catch (RuntimeException e) {
            return String.valueOf(e.getMessage());
        }
    }

    private String linearizableRead() {
        if (consensus.status().leader().isEmpty()) {
            return EtcdError.NO_LEADER.message();
        }
        try {
            consensus.readBarrier().get(1, TimeUnit.SECONDS);
            return null;
        } catch (java.util.concurrent.TimeoutException e) {
            return EtcdError.TIMEOUT.message();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        } catch (java.util.concurrent.ExecutionException e) {
            return String.valueOf(e.getCause().getMessage());
        }
    }

    private void version(ServerRequest req, ServerResponse res) {
        String v = MaintenanceService.ETCD_VERSION;
        json(res, "{\"etcdserver\":\"" + v + "\",\"etcdcluster\":\"" + v.substring(0, v.lastIndexOf('.')) + ".0\"}");
    }

    private static void json(ServerResponse res, String body) {
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        res.send(body);
    }
}
