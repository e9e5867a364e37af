package io.tern.server;

import io.tern.api.cluster.ClusterView;
import io.tern.api.cluster.MemberIds;
import io.tern.server.config.ServerConfig;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The cluster a member was created in: its own name, every member's id and URLs, and the cluster id.
 *
 * @param self      this member's name
 * @param clusterId the cluster's id
 * @param members   every member, in id order
 */
record Bootstrap(String self, long clusterId, List<ClusterView.MemberInfo> members) {

    static Bootstrap fromConfig(ServerConfig config) {
        List<ClusterView.MemberInfo> members = new ArrayList<>();
        for (Map.Entry<String, List<URI>> m : config.initialCluster().entrySet()) {
            List<String> urls = m.getValue().stream().map(Bootstrap::urlString).toList();
            long id = MemberIds.memberId(urls, config.initialClusterToken());
            boolean self = m.getKey().equals(config.name());
            members.add(new ClusterView.MemberInfo(id, m.getKey(), urls,
                    self ? config.advertiseClientUrls().stream().map(Bootstrap::urlString).toList() : List.of()));
        }
        members.sort(Comparator.comparingLong(ClusterView.MemberInfo::id));
        long clusterId = MemberIds.clusterId(members.stream().map(ClusterView.MemberInfo::id).toList());
        return new Bootstrap(config.name(), clusterId, members);
    }

    ClusterView.MemberInfo selfMember() {
        return members.stream().filter(m -> m.name().equals(self)).findFirst()
                .orElseThrow(() -> new IllegalStateException("member " + self + " is not in its own cluster " + members));
    }

    Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("self", self);
        p.setProperty("cluster-id", Long.toHexString(clusterId));
        p.setProperty("members", String.valueOf(members.size()));
        for (int i = 0; i < members.size(); i++) {
            ClusterView.MemberInfo m = members.get(i);
            p.setProperty("member." + i + ".id", Long.toHexString(m.id()));
            p.setProperty("member." + i + ".name", m.name());
            p.setProperty("member." + i + ".peer-urls", String.join(",", m.peerUrls()));
            p.setProperty("member." + i + ".client-urls", String.join(",", m.clientUrls()));
        }
        return p;
    }

    static Bootstrap fromProperties(Properties p) {
        int n = Integer.parseInt(require(p, "members"));
        List<ClusterView.MemberInfo> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(new ClusterView.MemberInfo(
                    Long.parseUnsignedLong(require(p, "member." + i + ".id"), 16),
                    require(p, "member." + i + ".name"),
                    split(p.getProperty("member." + i + ".peer-urls", "")),
                    split(p.getProperty("member." + i + ".client-urls", ""))));
        }
        return new Bootstrap(require(p, "self"), Long.parseUnsignedLong(require(p, "cluster-id"), 16), members);
    }

    private static String require(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalStateException("cluster.properties lacks '" + key + "'");
        }
        return v;
    }

    private static List<String> split(String csv) {
        return csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    static String urlString(URI u) {
        String s = u.toString();
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
}
