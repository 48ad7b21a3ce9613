package io.flyover.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PingPongTest {
    @Test
    void everyRoundTripIsRecordedAndEchoedInOrder() throws Exception {
        PingPongResult r = KernelUdpPingPong.run(10, 500, 64); // run() itself checks each echo's sequence number
        assertEquals(500, r.count());
        assertTrue(r.p50() > 0 && r.p50() <= r.p99() && r.p99() <= r.p999());
    }

    @Test
    void flyoverPingPongEchoesEveryRoundAndLeaksNoFrame() throws Exception {
        PingPongResult r = FlyoverUdpPingPong.run(10, 500, 64); // checks each echo and the pools' accounting
        assertEquals(500, r.count());
        assertTrue(r.path().startsWith("Flyover"));
    }

    @Test
    void tableShowsEveryPathAndTheRatio() throws Exception {
        PingPongResult r = KernelUdpPingPong.run(0, 50, 64);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo.printTable(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(r), r);
        String table = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("kernel UDP over loopback"), table);
        assertTrue(table.contains("1.0"), "the baseline's ratio to itself is 1.0: " + table);
    }
}
