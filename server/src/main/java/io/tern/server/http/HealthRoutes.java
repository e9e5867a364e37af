package io.tern.server.http;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import io.tern.api.maintenance.MaintenanceService;
import io.tern.spi.consensus.ConsensusEngine;

import java.util.concurrent.TimeUnit;

/**
 * {@code GET /health}: healthy when this member has a leader and a linearizable read barrier completes
 * within a second ({@code ?serializable=true} skips the barrier); {@code GET /version}: the etcd API level.
 * Bodies are etcd's JSON.
 */
public final class HealthRoutes implements HttpService {
    private final ConsensusEngine consensus;

    public HealthRoutes(ConsensusEngine consensus) {
        this.consensus = consensus;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/health", this::health)
                .get("/version", this::version);
    }

    private void health(ServerRequest req, ServerResponse res) {
        boolean serializable = req.query().first("serializable").map("true"::equals).orElse(false);
        String reason = "";
        if (consensus.status().leader().isEmpty()) {
            reason = "RAFT NO LEADER";
        } else if (!serializable) {
            try {
                consensus.readBarrier().get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                reason = "RAFT READ FAILED";
            }
        }
        boolean ok = reason.isEmpty();
        res.status(ok ? Status.OK_200 : Status.SERVICE_UNAVAILABLE_503);
        json(res, "{\"health\":\"" + ok + "\",\"reason\":\"" + reason + "\"}");
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
