package io.tern.server.grpc;

import com.google.protobuf.ByteString;
import io.tern.api.proto.etcdserverpb.MemberListRequest;
import io.tern.api.proto.etcdserverpb.PutRequest;
import io.tern.api.proto.etcdserverpb.RangeRequest;
import io.tern.api.proto.etcdserverpb.StatusRequest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** etcd's list of what a learner answers: Status and serializable ranges, nothing else. */
class LearnerGuardTest {

    /** A request and whether a learner answers it. */
    record Case(String name, Object request, boolean allowed) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        ByteString k = ByteString.copyFromUtf8("k");
        return Stream.of(
                new Case("status", StatusRequest.getDefaultInstance(), true),
                new Case("serializable range", RangeRequest.newBuilder().setKey(k).setSerializable(true).build(), true),
                new Case("linearizable range", RangeRequest.newBuilder().setKey(k).build(), false),
                new Case("put", PutRequest.newBuilder().setKey(k).build(), false),
                new Case("member list", MemberListRequest.getDefaultInstance(), false));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void aLearnerAnswersOnlyWhatEtcdsLearnersAnswer(Case c) {
        assertThat(LearnerGuard.allowed(c.request())).isEqualTo(c.allowed());
    }
}
