package io.tern.spi.consensus;

import java.util.Objects;

/**
 * Where a member's consensus engine takes peer traffic: the host and port of its first advertised peer
 * URL. It is the member's identity inside the engine; the etcd layer maps it to the 64-bit member id.
 *
 * @param host host name or IP literal, as advertised
 * @param port TCP port, 1..65535
 */
public record PeerAddress(String host, int port) {

    public PeerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("invalid peer address " + host + ":" + port);
        }
    }

    /** Parses {@code host:port}. */
    public static PeerAddress parse(String s) {
        int colon = s.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected host:port, got '" + s + "'");
        }
        try {
            return new PeerAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port, got '" + s + "'", e);
        }
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
