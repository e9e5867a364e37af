package io.tern.api.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;

/**
 * 64-bit member and cluster ids derived as etcd derives them for the members of a new cluster, so the
 * same flags give the same ids: a member's id is the first 8 bytes (big-endian) of SHA-1 over its sorted
 * peer URLs joined, followed by the cluster token; the cluster's id is the same digest over its sorted
 * member ids, 8 bytes each.
 */
public final class MemberIds {
    private MemberIds() {
    }

    public static long memberId(List<String> peerUrls, String clusterToken) {
        String[] sorted = peerUrls.toArray(String[]::new);
        Arrays.sort(sorted);
        byte[] input = (String.join("", sorted) + clusterToken).getBytes(StandardCharsets.UTF_8);
        return first8(sha1(input));
    }

    /**
     * The id of a member added to a running cluster: as {@link #memberId} with the time in seconds
     * appended, so that a member added again at the same URLs gets a new id.
     */
    public static long addedMemberId(List<String> peerUrls, String clusterToken, long epochSeconds) {
        return memberId(peerUrls, clusterToken + epochSeconds);
    }

    public static long clusterId(List<Long> memberIds) {
        long[] ids = memberIds.stream().mapToLong(Long::longValue).toArray();
        // etcd sorts ids as unsigned 64-bit values
        Long[] boxed = Arrays.stream(ids).boxed().toArray(Long[]::new);
        Arrays.sort(boxed, Long::compareUnsigned);
        ByteBuffer buf = ByteBuffer.allocate(8 * boxed.length);
        for (Long id : boxed) {
            buf.putLong(id);
        }
        return first8(sha1(buf.array()));
    }

    private static long first8(byte[] digest) {
        return ByteBuffer.wrap(digest, 0, 8).getLong();
    }

    private static byte[] sha1(byte[] input) {
        try {
            return MessageDigest.getInstance("SHA-1").digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-1", e);
        }
    }
}
