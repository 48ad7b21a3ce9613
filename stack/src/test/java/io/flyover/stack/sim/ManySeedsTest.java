package io.flyover.stack.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flyover.stack.device.soft.Impairment;
import io.flyover.stack.device.soft.TestHost;
import org.junit.jupiter.api.Test;

/** The pattern later protocol simulations follow: one seeded run per seed, every frame accounted for. */
class ManySeedsTest {
    private static final Impairment LINK = Impairment.builder().loss(0.10).duplicate(0.02).reorder(0.05, 30_000)
            .corrupt(0.02).delay(10_000, 5_000).rate(1_000_000_000).build();

    @Test
    void everyRequestIsAnsweredOrItsLossIsCounted() {
        SeedSweep.run(1, 200, seed -> {
            try (SimulatedLan lan = SimulatedLan.builder().seed(seed).hosts(2).framesPerHost(256).impairment(LINK)
                    .hostFactory((device, random) -> new TestHost(device, random).echo(true)).build()) {
                TestHost client = (TestHost) lan.host(0);
                TestHost server = (TestHost) lan.host(1);
                client.stream(SimulatedLan.macOf(1), 100, 0, 5_000, 100);
                lan.simulator().runFor(100_000_000);
                // Requests that reached the server intact were each answered once per copy received.
                long answered = server.arrivals().stream()
                        .filter(a -> a.intact() && a.kind() == TestHost.REQUEST).count();
                var toServer = lan.impaired(0).transmitStage();
                var toClient = lan.impaired(1).transmitStage();
                assertEquals(100 + toServer.duplicated() - toServer.lost() - toServer.overflowed(),
                        server.arrivals().size(), "frames reaching the server");
                assertEquals(answered, server.sent());
                assertEquals(answered + toClient.duplicated() - toClient.lost() - toClient.overflowed(),
                        client.arrivals().size(), "frames reaching the client");
                lan.closeAndCheckNoFrameLeaked();
            }
        });
    }
}
