package io.flyover.provider.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flyover.provider.runtime.StackRuntime;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceOptions;
import io.flyover.stack.device.NetDevice;
import io.flyover.stack.device.NetDeviceFactory;
import io.flyover.stack.device.soft.VethPair;
import java.io.IOException;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 7: a device that cannot start falls back to the next kind, or leaves the interface to the
 * kernel with one log line; it never fails the provider.
 */
class DeviceFallbackTest {
    private final List<String> warnings = new ArrayList<>();
    private final List<VethPair> opened = new ArrayList<>();

    /** A factory whose {@code open} fails with {@code failure}, or (null) opens an in-process veth end. */
    private final class Fake implements NetDeviceFactory {
        final String kind;
        final int priority;
        final boolean serves;
        final Throwable failure;
        int opens;

        Fake(String kind, int priority, boolean serves, Throwable failure) {
            this.kind = kind;
            this.priority = priority;
            this.serves = serves;
            this.failure = failure;
        }

        @Override public String kind() { return kind; }
        @Override public int priority() { return priority; }
        @Override public boolean serves(String interfaceName) { return serves; }

        @Override
        public NetDevice open(String interfaceName, FramePool pool, DeviceOptions options) throws IOException {
            opens++;
            if (failure instanceof IOException io) {
                throw io;
            }
            if (failure instanceof Error err) {
                throw err;
            }
            if (failure != null) {
                throw (RuntimeException) failure;
            }
            VethPair pair = VethPair.create(pool, 0x02_00_00_00_00_01L, FramePool.allocate(64), 0x02_00_00_00_00_02L, 64);
            opened.add(pair);
            return pair.a();
        }
    }

    private static NetworkInterface lo() throws IOException {
        return NetworkInterface.getByName("lo");
    }

    @Test
    void withoutAChoiceServingKindsAreTriedByFallingPriority() {
        Fake verbs = new Fake("verbs", 100, false, null);
        Fake xdp = new Fake("af_xdp", 20, true, null);
        Fake packet = new Fake("af_packet", 10, true, null);
        assertEquals(List.of(xdp, packet), DeviceStacks.candidates("eth9", Optional.empty(), List.of(packet, verbs, xdp)),
                "verbs serves no interface without an RDMA device: AF_XDP comes first");
        assertEquals(List.of(verbs), DeviceStacks.candidates("eth9", Optional.of("verbs"), List.of(packet, verbs, xdp)),
                "a kind asked for is tried alone, serving or not, so that it says why it cannot");
    }

    @Test
    void aDeviceThatCannotStartHandsOverToTheNextKind() throws Exception {
        Fake verbs = new Fake("verbs", 100, true, new IOException("port 1 of mlx5_0 is not active (state DOWN)"));
        Fake xdp = new Fake("af_xdp", 20, true, null);
        Optional<StackRuntime> quiet = DeviceStacks.open(lo(), Settings.isolated(Map.of()),
                List.of(new Fake("af_xdp", 20, true, null)), warnings::add);
        quiet.ifPresent(StackRuntime::close);
        assertEquals(List.of(), warnings, "the first kind started: nothing to say");
        Optional<StackRuntime> r = DeviceStacks.open(lo(), Settings.isolated(Map.of()), List.of(verbs, xdp), warnings::add);
        try {
            assertTrue(r.isPresent());
            assertEquals(1, verbs.opens);
            assertEquals(1, xdp.opens);
            assertEquals(List.of("af_xdp drives lo because verbs: port 1 of mlx5_0 is not active (state DOWN)"), warnings);
        } finally {
            r.ifPresent(StackRuntime::close);
            opened.forEach(VethPair::close);
        }
    }

    @Test
    void whenNoKindStartsTheInterfaceStaysTheKernelsWithOneLine() throws Exception {
        Fake verbs = new Fake("verbs", 100, true, new IOException("ibv_reg_mr of the 16777216-byte frame region failed: ENOMEM"));
        Fake xdp = new Fake("af_xdp", 20, true, new UnsatisfiedLinkError("no libbpf"));
        Fake packet = new Fake("af_packet", 10, true, new IllegalStateException("socket(AF_PACKET) failed: EPERM"));
        Optional<StackRuntime> r = DeviceStacks.open(lo(), Settings.isolated(Map.of()), List.of(verbs, xdp, packet),
                warnings::add);
        assertTrue(r.isEmpty());
        assertEquals(1, warnings.size(), warnings.toString());
        String line = warnings.getFirst();
        assertTrue(line.contains("ENOMEM") && line.contains("no libbpf") && line.contains("EPERM"), line);
        assertTrue(line.contains("go to the kernel"), line);
    }

    @Test
    void aChosenKindThatCannotServeLeavesTheInterfaceToTheKernel() throws Exception {
        Fake verbs = new Fake("verbs", 100, false, new IOException("interface lo has no RDMA device"));
        Fake xdp = new Fake("af_xdp", 20, true, null);
        Optional<StackRuntime> r = DeviceStacks.open(lo(), Settings.isolated(Map.of(SettingKeys.DEVICE, "verbs")),
                List.of(verbs, xdp), warnings::add);
        assertTrue(r.isEmpty());
        assertEquals(0, xdp.opens, "the operator chose verbs: no other kind takes the interface");
        assertEquals(List.of("flyover.device=verbs cannot drive lo (verbs: interface lo has no RDMA device): "
                + "sockets through lo go to the kernel"), warnings);
    }

    @Test
    void aKindNotOnTheClassPathIsNamedInTheLine() throws Exception {
        Optional<StackRuntime> r = DeviceStacks.open(lo(), Settings.isolated(Map.of(SettingKeys.DEVICE, "dpdk")),
                List.of(new Fake("af_xdp", 20, true, null)), warnings::add);
        assertTrue(r.isEmpty());
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("no device factory of that kind"), warnings.getFirst());
    }
}
