package io.tern.consensus.jraft;

import com.alipay.remoting.ExtendedNettyChannelHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.tern.spi.consensus.PeerTls;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Puts TLS in front of Bolt's codecs on every peer connection, accepted or dialed. Bolt calls
 * {@link #frontChannelHandlers()} once per channel, so each call makes a fresh handler. A dialed
 * connection only learns its remote host when it connects: its TLS handler is added then, so the
 * accepting member's certificate is checked against the host this member dialed.
 */
final class PeerTlsHandlers implements ExtendedNettyChannelHandler {
    private final SslContext context;
    private final boolean dialing;
    private final boolean verifyHostname;

    private PeerTlsHandlers(SslContext context, boolean dialing, boolean verifyHostname) {
        this.context = context;
        this.dialing = dialing;
        this.verifyHostname = verifyHostname;
    }

    static PeerTlsHandlers accepting(PeerTls tls) {
        return new PeerTlsHandlers(new JdkSslContext(tls.server(), false, ciphers(tls), IdentityCipherSuiteFilter.INSTANCE,
                ApplicationProtocolConfig.DISABLED, tls.requireClientCert() ? ClientAuth.REQUIRE : ClientAuth.NONE,
                tls.protocols().toArray(String[]::new), false), false, false);
    }

    static PeerTlsHandlers dialing(PeerTls tls) {
        return new PeerTlsHandlers(new JdkSslContext(tls.client(), true, ciphers(tls), IdentityCipherSuiteFilter.INSTANCE,
                ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, tls.protocols().toArray(String[]::new), false),
                true, tls.verifyHostname());
    }

    private static List<String> ciphers(PeerTls tls) {
        return tls.cipherSuites().isEmpty() ? null : tls.cipherSuites();
    }

    @Override
    public List<ChannelHandler> frontChannelHandlers() {
        return List.of(dialing ? new OnConnect() : new OnAccept());
    }

    @Override
    public List<ChannelHandler> backChannelHandlers() {
        return List.of();
    }

    /**
     * Adds the accepting side's TLS handler made with the connecting address as its peer host, so that the
     * trust manager can check the connecting member's certificate against it, then steps aside.
     */
    private final class OnAccept extends ChannelInboundHandlerAdapter {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            SslHandler tls = ctx.channel().remoteAddress() instanceof InetSocketAddress from
                    ? context.newHandler(ctx.alloc(), from.getAddress().getHostAddress(), from.getPort())
                    : context.newHandler(ctx.alloc());
            ctx.pipeline().replace(this, "tern-peer-tls", tls);
        }
    }

    /** Adds the dialing side's TLS handler once the remote host is known, then steps aside. */
    private final class OnConnect extends ChannelOutboundHandlerAdapter {
        @Override
        public void connect(ChannelHandlerContext ctx, SocketAddress remote, SocketAddress local, ChannelPromise promise) {
            InetSocketAddress to = (InetSocketAddress) remote;
            SslHandler tls = context.newHandler(ctx.alloc(), to.getHostString(), to.getPort());
            if (verifyHostname) {
                SSLEngine engine = tls.engine();
                SSLParameters p = engine.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                engine.setSSLParameters(p);
            }
            ctx.pipeline().addAfter(ctx.name(), "tern-peer-tls", tls);
            ctx.pipeline().remove(this);
            ctx.connect(remote, local, promise);
        }
    }
}
