package io.tern.api.concurrency;

import com.google.protobuf.ByteString;
import io.tern.api.error.EtcdError;
import io.tern.api.kv.KvService;
import io.tern.api.lease.LeaseService;
import io.tern.api.proto.etcdserverpb.DeleteRangeRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeResponse;
import io.tern.api.proto.etcdserverpb.RequestOp;
import io.tern.api.proto.etcdserverpb.ResponseHeader;
import io.tern.api.proto.etcdserverpb.TxnRequest;
import io.tern.api.proto.etcdserverpb.TxnResponse;
import io.tern.api.proto.etcdserverpb.WatchCreateRequest;
import io.tern.api.proto.mvccpb.Event;
import io.tern.api.proto.mvccpb.KeyValue;
import io.tern.api.proto.v3electionpb.CampaignRequest;
import io.tern.api.proto.v3electionpb.CampaignResponse;
import io.tern.api.proto.v3electionpb.LeaderKey;
import io.tern.api.proto.v3electionpb.LeaderRequest;
import io.tern.api.proto.v3electionpb.LeaderResponse;
import io.tern.api.proto.v3electionpb.ProclaimRequest;
import io.tern.api.proto.v3electionpb.ProclaimResponse;
import io.tern.api.proto.v3electionpb.ResignRequest;
import io.tern.api.proto.v3electionpb.ResignResponse;
import io.tern.api.watch.WatchHub;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * etcd's Election service: the leader of {@code name} is the oldest session key under {@code name/},
 * and its value is the leader's proclamation. A campaign creates the caller's key (or adopts the one its
 * lease already has, proclaiming the new value) and waits until every older key is gone.
 */
public final class ElectionService {
    private final Recipes recipes;

    public ElectionService(KvService kv, LeaseService leases, WatchHub watches) {
        this.recipes = new Recipes(kv, leases, watches);
    }

    /** Blocks until the caller leads; a caller that goes away while waiting resigns. */
    public CampaignResponse campaign(CampaignRequest r, BooleanSupplier cancelled) {
        long lease = recipes.sessionLease(r.getLease());
        ByteString prefix = Recipes.prefix(r.getName());
        ByteString key = Recipes.sessionKey(r.getName(), lease);
        TxnResponse t = recipes.claim(key, lease, r.getValue());
        long rev = Recipes.claimRevision(t);
        if (!t.getSucceeded()) {
            KeyValue mine = t.getResponses(0).getResponseRange().getKvs(0);
            if (!mine.getValue().equals(r.getValue())) {
                proclaim(ProclaimRequest.newBuilder().setLeader(leaderKey(r.getName(), key, rev, lease))
                        .setValue(r.getValue()).build());
            }
        }
        try {
            recipes.waitDeletes(prefix, rev - 1, cancelled);
        } catch (RuntimeException e) {
            recipes.deleteQuietly(key);
            throw e;
        }
        return CampaignResponse.newBuilder().setHeader(t.getHeader())
                .setLeader(leaderKey(r.getName(), key, rev, lease)).build();
    }

    /** Sets the leader's value, if the caller still leads with that key; else etcd's "election: not leader". */
    public ProclaimResponse proclaim(ProclaimRequest r) {
        LeaderKey l = requireLeader(r.hasLeader(), r.getLeader());
        TxnResponse t = Recipes.await(recipes.kv().txn(TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(l.getKey(), l.getRev()))
                .addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(l.getKey()).setValue(r.getValue()).setLease(l.getLease())))
                .build()));
        if (!t.getSucceeded()) {
            throw EtcdError.ELECTION_NOT_LEADER.exception();
        }
        return ProclaimResponse.newBuilder().setHeader(t.getHeader()).build();
    }

    /** Gives up leadership (or a campaign) if the key is still the caller's; not an error otherwise. */
    public ResignResponse resign(ResignRequest r) {
        LeaderKey l = requireLeader(r.hasLeader(), r.getLeader());
        TxnResponse t = Recipes.await(recipes.kv().txn(TxnRequest.newBuilder()
                .addCompare(Recipes.createRevisionIs(l.getKey(), l.getRev()))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder().setKey(l.getKey())))
                .build()));
        return ResignResponse.newBuilder().setHeader(t.getHeader()).build();
    }

    /** The current leader's key-value; etcd's "election: no leader" when nobody campaigns. */
    public LeaderResponse leader(LeaderRequest r) {
        RangeResponse rr = Recipes.await(recipes.kv().range(Recipes.firstCreated(Recipes.prefix(r.getName()))));
        if (rr.getKvsCount() == 0) {
            throw EtcdError.ELECTION_NO_LEADER.exception();
        }
        return LeaderResponse.newBuilder().setHeader(rr.getHeader()).setKv(rr.getKvs(0)).build();
    }

    /**
     * Streams the leader to {@code out}: the current one first (waiting for one if there is none), then
     * every new value it proclaims, then its successor once it goes, until {@code cancelled}.
     */
    public void observe(LeaderRequest r, Consumer<LeaderResponse> out, BooleanSupplier cancelled) {
        ByteString prefix = Recipes.prefix(r.getName());
        while (!cancelled.getAsBoolean()) {
            RangeResponse rr = Recipes.await(recipes.kv().range(Recipes.firstCreated(prefix)));
            KeyValue leader;
            ResponseHeader header = rr.getHeader();
            if (rr.getKvsCount() > 0) {
                leader = rr.getKvs(0);
            } else {
                Event first = recipes.waitEvent(WatchCreateRequest.newBuilder().setKey(prefix)
                        .setRangeEnd(Recipes.prefixEnd(prefix)).setStartRevision(header.getRevision() + 1)
                        .addFilters(WatchCreateRequest.FilterType.NODELETE).build(), cancelled);
                if (first == null) {
                    continue;
                }
                leader = first.getKv();
                header = header.toBuilder().setRevision(leader.getModRevision()).build();
            }
            out.accept(LeaderResponse.newBuilder().setHeader(header).setKv(leader).build());
            long from = leader.getModRevision() + 1;
            while (true) {
                Event e = recipes.waitEvent(WatchCreateRequest.newBuilder().setKey(leader.getKey())
                        .setStartRevision(from).build(), cancelled);
                if (e == null || e.getType() == Event.EventType.DELETE) {
                    break;
                }
                out.accept(LeaderResponse.newBuilder().setHeader(header.toBuilder().setRevision(e.getKv().getModRevision()))
                        .setKv(e.getKv()).build());
                from = e.getKv().getModRevision() + 1;
            }
        }
    }

    private static LeaderKey leaderKey(ByteString name, ByteString key, long rev, long lease) {
        return LeaderKey.newBuilder().setName(name).setKey(key).setRev(rev).setLease(lease).build();
    }

    private static LeaderKey requireLeader(boolean present, LeaderKey l) {
        if (!present) {
            throw EtcdError.ELECTION_LEADER_MISSING.exception();
        }
        return l;
    }
}
