package io.tern.server;

import io.tern.api.cluster.ClusterMembers;
import io.tern.api.cluster.MemberIds;
import io.tern.api.proto.etcdserverpb.Member;
import io.tern.server.config.ServerConfig;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Who a member is, as it first started: its name and peer URLs, whether it formed a new cluster or
 * joined a running one, and its ids once known. A new cluster's members and ids follow from the flags,
 * computed alike on every initial member; a joining member learns its ids from the member records it
 * receives, and {@link #identified} records them.
 *
 * @param self      this member's name
 * @param peerUrls  this member's advertised peer URLs
 * @param joining   true when started with {@code --initial-cluster-state existing}
 * @param clusterId the cluster's id; 0 while a joining member does not know it yet
 * @param memberId  this member's id; 0 while a joining member does not know it yet
 * @param members   a new cluster's initial members in unsigned id order; empty when joining
 */
record Bootstrap(String self, List<String> peerUrls, boolean joining, long clusterId, long memberId,
                 List<Member> members) {

    /**
     * The bootstrap a first start records. As on etcd, the member's own entry in {@code --initial-cluster}
     * must name its {@code --initial-advertise-peer-urls}; later starts ignore both flags.
     */
    static Bootstrap fromConfig(ServerConfig config) {
        List<String> selfUrls = config.initialAdvertisePeerUrls().stream().map(Bootstrap::urlString).toList();
        List<String> listed = config.initialCluster().get(config.name()).stream().map(Bootstrap::urlString).toList();
        if (!new java.util.HashSet<>(listed).equals(new java.util.HashSet<>(selfUrls))) {
            throw new IllegalArgumentException("--initial-cluster has " + config.name() + "=" + listed
                    + " but --initial-advertise-peer-urls is " + selfUrls + "; they must match");
        }
        if (config.joinExisting()) {
            return new Bootstrap(config.name(), selfUrls, true, 0, 0, List.of());
        }
        List<Member> members = new ArrayList<>();
        for (Map.Entry<String, List<URI>> m : config.initialCluster().entrySet()) {
            List<String> urls = m.getValue().stream().map(Bootstrap::urlString).toList();
            long id = MemberIds.memberId(urls, config.initialClusterToken());
            members.add(Member.newBuilder().setID(id).setName(m.getKey()).addAllPeerURLs(urls).build());
        }
        members.sort(Comparator.comparing(Member::getID, Long::compareUnsigned));
        long clusterId = MemberIds.clusterId(members.stream().map(Member::getID).toList());
        long selfId = MemberIds.memberId(selfUrls, config.initialClusterToken());
        return new Bootstrap(config.name(), selfUrls, false, clusterId, selfId, members);
    }

    /** The view members start from: the initial members, or nothing known yet when joining. */
    ClusterMembers.View view() {
        return new ClusterMembers.View(clusterId, members, false);
    }

    Bootstrap identified(long cluster, long member) {
        return new Bootstrap(self, peerUrls, joining, cluster, member, members);
    }

    Properties toProperties() {
        Properties p = new Properties();
        p.setProperty("self", self);
        p.setProperty("peer-urls", String.join(",", peerUrls));
        p.setProperty("joining", Boolean.toString(joining));
        p.setProperty("cluster-id", Long.toHexString(clusterId));
        p.setProperty("member-id", Long.toHexString(memberId));
        p.setProperty("members", String.valueOf(members.size()));
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            p.setProperty("member." + i + ".id", Long.toHexString(m.getID()));
            p.setProperty("member." + i + ".name", m.getName());
            p.setProperty("member." + i + ".peer-urls", String.join(",", m.getPeerURLsList()));
        }
        return p;
    }

    static Bootstrap fromProperties(Properties p) {
        int n = Integer.parseInt(require(p, "members"));
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(Member.newBuilder()
                    .setID(Long.parseUnsignedLong(require(p, "member." + i + ".id"), 16))
                    .setName(require(p, "member." + i + ".name"))
                    .addAllPeerURLs(split(require(p, "member." + i + ".peer-urls"))).build());
        }
        return new Bootstrap(require(p, "self"), split(require(p, "peer-urls")),
                Boolean.parseBoolean(require(p, "joining")),
                Long.parseUnsignedLong(require(p, "cluster-id"), 16),
                Long.parseUnsignedLong(require(p, "member-id"), 16), members);
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
