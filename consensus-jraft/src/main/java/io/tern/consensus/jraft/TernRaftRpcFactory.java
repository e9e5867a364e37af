package io.tern.consensus.jraft;

import com.alipay.remoting.config.BoltClientOption;
import com.alipay.sofa.jraft.option.RpcOptions;
import com.alipay.sofa.jraft.rpc.RpcClient;
import com.alipay.sofa.jraft.rpc.impl.BoltRaftRpcFactory;
import com.alipay.sofa.jraft.rpc.impl.BoltRpcClient;
import com.alipay.sofa.jraft.util.SPI;
import io.tern.spi.consensus.PeerTls;

/**
 * jraft's Bolt transport, with peer TLS for the clients jraft makes itself (log replication, votes,
 * snapshot installs). jraft picks its transport by service loader, highest priority first; this one
 * outranks Bolt's own and behaves exactly as it unless the node was started with TLS.
 */
@SPI(priority = 1)
public final class TernRaftRpcFactory extends BoltRaftRpcFactory {

    @Override
    public ConfigHelper<RpcClient> defaultJRaftClientConfigHelper(RpcOptions opts) {
        if (opts instanceof TernNodeOptions tern && tern.tls().isPresent()) {
            PeerTls tls = tern.tls().get();
            return client -> dialWith(client, tls);
        }
        return super.defaultJRaftClientConfigHelper(opts);
    }

    /** Makes {@code client} dial over TLS; call before the client is started. */
    static void dialWith(RpcClient client, PeerTls tls) {
        ((BoltRpcClient) client).getRpcClient()
                .option(BoltClientOption.EXTENDED_NETTY_CHANNEL_HANDLER, PeerTlsHandlers.dialing(tls));
    }
}
