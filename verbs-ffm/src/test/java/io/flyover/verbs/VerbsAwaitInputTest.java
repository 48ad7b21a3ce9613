package io.flyover.verbs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.flyover.linux.packet.NeighbourTapDevice;
import io.flyover.linux.sys.ArmableInput;
import io.flyover.stack.buffer.FrameBurst;
import io.flyover.stack.buffer.FrameCache;
import io.flyover.stack.buffer.FramePool;
import io.flyover.stack.device.DeviceCapabilities;
import io.flyover.stack.device.NetDevice;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The verbs device's interrupt mode ({@link VerbsNetDevice#awaitInput}) against the fake provider loaded
 * as libibverbs (a JVM of its own, as {@link FakeLibibverbsTest}): its completion channel is a pipe the fake
 * writes an event into when an armed CQ completes. A wait that must not end by itself is given two minutes;
 * the JUnit timeout fails the test if what should end it does not. That the waiting thread sleeps in ppoll
 * is read from {@code /proc/self/task/<tid>/syscall}, so the call order (arm, sleep, take, acknowledge) is
 * observed, not inferred.
 */
@Timeout(60)
class VerbsAwaitInputTest {
    private static final long FOREVER = 120_000_000_000L;
    private static FakeProvider fake;

    private FramePool pool;
    private VerbsRawQueue queue;
    private VerbsNetDevice device;

    @BeforeAll
    static void bindToTheFake() {
        NativeToolchain.assumeAvailable();
        fake = FakeProvider.boundAsLibibverbs();
    }

    @BeforeEach
    void open() throws Exception {
        fake.reset();
        fake.resetSetup();
        pool = FramePool.allocate(128);
        queue = VerbsRawQueue.open("fake_mlx5_0", 1, pool.region(), 64, 64);
        device = new VerbsNetDevice("verbs:fake", queue, pool,
                new DeviceCapabilities(0x0200_0000_0001L, 1500, 1, 1, Set.of()), 16);
        fake.resetSetup(); // the call log from here on
    }

    @AfterEach
    void close() {
        if (device != null) {
            device.close();
        }
        assertEquals(0, fake.liveObjects(), "everything destroyed: " + fake.calls());
        assertEquals(0, fake.unackedAtDestroy(), "every event taken was acknowledged before its CQ was destroyed");
        pool.checkAllReturned();
        pool.close();
    }

    private List<String> calls() {
        String log = fake.calls();
        return log.isEmpty() ? List.of() : Arrays.asList(log.split(" "));
    }

    private static byte[] frame(int tag) {
        byte[] f = new byte[60];
        Arrays.fill(f, (byte) tag);
        return f;
    }

    private byte[] receiveOne() {
        FrameBurst in = new FrameBurst(4);
        assertEquals(1, device.receive(0, in, 0));
        return releaseAll(in)[0];
    }

    private byte[][] releaseAll(FrameBurst in) {
        byte[][] bytes = new byte[in.count()][];
        try (FrameCache c = pool.newCache(8)) {
            for (int i = 0; i < in.count(); i++) {
                int f = in.get(i);
                bytes[i] = pool.region().asSlice(pool.frameBase(f) + pool.dataOffset(f), pool.dataLength(f))
                        .toArray(ValueLayout.JAVA_BYTE);
                c.release(f);
            }
        }
        in.clear();
        return bytes;
    }

    @Test
    void aFrameFromAnotherThreadEndsTheWaitAndItsEventIsTakenAndAcknowledged() throws Exception {
        Waiting w = Waiting.start(device, FOREVER);
        w.untilSleepingInPpoll();
        assertEquals(List.of("req_notify_cq"), calls(), "armed before the sleep; nothing taken yet");
        assertTrue(fake.deliver(queue.qp(), frame(7), 0));
        assertTrue(w.result.get(30, TimeUnit.SECONDS));
        assertEquals(List.of("req_notify_cq", "event", "ibv_get_cq_event", "ibv_get_cq_event=EAGAIN", "ibv_ack_cq_events"),
                calls(), "arm, sleep, the completion raises the event, taken until the channel is empty, acknowledged once");
        assertEquals(1, fake.eventsGot(queue.recvCq()));
        assertEquals(1, fake.eventsAcked(queue.recvCq()));
        assertEquals(1, device.eventsTaken());
        assertArrayEquals(frame(7), receiveOne());
    }

    @Test
    void completionsBeforeTheArmingEndTheWaitAtOnceAndComeUpFirstInOrder() throws Exception {
        assertTrue(fake.deliver(queue.qp(), frame(1), 0));
        assertTrue(fake.deliver(queue.qp(), frame(2), 0));
        assertTrue(device.awaitInput(FOREVER), "no event will come for them: the re-check after arming sees them");
        assertEquals(List.of("req_notify_cq"), calls(), "no event, no sleep");
        FrameBurst in = new FrameBurst(4);
        assertEquals(2, device.receive(0, in, 0));
        byte[][] got = releaseAll(in);
        assertArrayEquals(frame(1), got[0], "the completion the re-check took comes up first");
        assertArrayEquals(frame(2), got[1]);
        assertEquals(0, device.rxErrors());
    }

    @Test
    void aCompletionAtTheArmingIsNotSleptOnAndItsStaleEventIsTakenByTheNextWait() throws Exception {
        assertEquals(ArmableInput.Arming.ARMED, device.armInput());
        assertTrue(fake.deliver(queue.qp(), frame(3), 0)); // completes between arming and sleeping: an event, too
        assertTrue(device.awaitInput(FOREVER), "the re-check after arming sees it");
        assertEquals(List.of("req_notify_cq", "event", "req_notify_cq"), calls());
        assertArrayEquals(frame(3), receiveOne());
        assertTrue(device.awaitInput(FOREVER), "the event left in the channel ends the next wait at once");
        assertEquals(1, fake.eventsGot(queue.recvCq()));
        assertEquals(1, fake.eventsAcked(queue.recvCq()));
        assertEquals(0, device.receive(0, new FrameBurst(4), 0), "nothing new");
    }

    @Test
    void wakeInputEndsTheWaitInProgressOrTheNextOne() throws Exception {
        Waiting w = Waiting.start(device, FOREVER);
        w.untilSleepingInPpoll();
        device.wakeInput();
        assertTrue(w.result.get(30, TimeUnit.SECONDS));
        assertFalse(calls().contains("ibv_get_cq_event"), "no event: " + calls());
        assertEquals(0, device.receive(0, new FrameBurst(4), 0));
        device.wakeInput();
        assertTrue(device.awaitInput(FOREVER), "a wake before the wait ends it at once");
    }

    @Test
    void aWaitWithNoInputEndsAtItsTimeoutHavingWaited() {
        assertTrue(device.awaitInput(1_000_000), "true: it waited (the caller need not park)");
        assertEquals(List.of("req_notify_cq"), calls());
        assertEquals(0, device.receive(0, new FrameBurst(4), 0));
    }

    @Test
    void closeTakesAndAcknowledgesEveryEventBeforeDestroyingTheCq() {
        assertTrue(device.awaitInput(1_000_000)); // armed; times out
        assertTrue(fake.deliver(queue.qp(), frame(4), 0)); // raises an event nobody waits for
        int acked = fake.ackedEvents();
        device.close();
        device = null;
        List<String> log = calls();
        int got = log.indexOf("ibv_get_cq_event");
        int ack = log.indexOf("ibv_ack_cq_events");
        int destroy = log.indexOf("ibv_destroy_cq");
        assertTrue(got >= 0 && got < ack && ack < destroy, "taken, acknowledged, then destroyed: " + log);
        assertEquals(acked + 1, fake.ackedEvents());
    }

    @Test
    void closeEndsAWaitInProgress() throws Exception {
        VerbsNetDevice d = device;
        Waiting w = Waiting.start(d, FOREVER);
        w.untilSleepingInPpoll();
        d.close();
        device = null;
        w.result.get(30, TimeUnit.SECONDS);
        assertFalse(d.awaitInput(FOREVER), "closed: the device cannot wait");
    }

    @Test
    void theChannelDescriptorIsNonBlocking() throws Exception {
        int fd = device.completionChannelFd();
        String flags = Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd)).stream()
                .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
        int octal = Integer.parseInt(flags.substring("flags:".length()).trim(), 8);
        assertTrue((octal & 04000) != 0, "O_NONBLOCK in " + flags);
    }

    /**
     * In production the device is wrapped in neighbour taps: the wrapper's wait ends on a completion of the
     * queue and on a frame a tap hears (an ARP request sent to the veth end the taps are bound to).
     */
    @Test
    void theNeighbourTapsWaitOnTheTapsAndTheCompletionChannel() throws Exception {
        run("ip", "link", "del", "fkw0");
        Assumptions.assumeTrue(run("ip", "link", "add", "fkw0", "type", "veth", "peer", "name", "fkw1") == 0,
                "needs root to add a veth (CI runs as root)");
        NetDevice ears = null;
        try {
            for (String end : new String[] {"fkw0", "fkw1"}) { // no IPv6: no stray neighbour discovery
                run("sysctl", "-qw", "net.ipv6.conf." + end + ".disable_ipv6=1");
            }
            assertEquals(0, run("ip", "addr", "add", "198.18.77.1/24", "dev", "fkw1"));
            assertEquals(0, run("ip", "link", "set", "fkw0", "up"));
            assertEquals(0, run("ip", "link", "set", "fkw1", "up"));
            ears = NeighbourTapDevice.wrap(device, "fkw0");

            Waiting byQueue = Waiting.start(ears, FOREVER);
            byQueue.untilSleepingInPpoll();
            assertTrue(fake.deliver(queue.qp(), frame(5), 0));
            assertTrue(byQueue.result.get(30, TimeUnit.SECONDS));
            assertEquals(1, device.eventsTaken(), "the wrapper took the queue's event: " + calls());
            FrameBurst in = new FrameBurst(8);
            assertTrue(ears.receive(0, in, 0) >= 1);
            assertArrayEquals(frame(5), releaseAll(in)[0]);

            Waiting byWake = Waiting.start(ears, FOREVER);
            byWake.untilSleepingInPpoll();
            ears.wakeInput();
            assertTrue(byWake.result.get(30, TimeUnit.SECONDS));

            // last: the kernel repeats an unanswered ARP request after ping has gone
            Waiting byTap = Waiting.start(ears, FOREVER);
            byTap.untilSleepingInPpoll();
            run("ping", "-c", "1", "-W", "1", "198.18.77.2"); // unanswered: its ARP request is what counts
            assertTrue(byTap.result.get(30, TimeUnit.SECONDS));
            assertTrue(ears.receive(0, in, 0) >= 1, "the ARP request the tap heard");
            releaseAll(in);
            assertTrue(((NeighbourTapDevice) ears).tapReceivedFrames() >= 1);
            assertEquals(1, device.eventsTaken(), "no event from the queue this time");
        } finally {
            if (ears != null) {
                ears.close(); // closes the device
                device = null;
            }
            run("ip", "link", "del", "fkw0");
        }
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    /** A thread in {@code awaitInput}, with its kernel thread id. */
    private record Waiting(NetDevice device, CompletableFuture<Boolean> result, int tid) {
        private static final MethodHandle GETTID = Linker.nativeLinker().downcallHandle(
                Linker.nativeLinker().defaultLookup().find("gettid").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT));

        static Waiting start(NetDevice device, long timeoutNanos) throws Exception {
            CompletableFuture<Integer> tid = new CompletableFuture<>();
            CompletableFuture<Boolean> result = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("awaiting").start(() -> {
                try {
                    tid.complete((int) GETTID.invokeExact());
                    result.complete(device.awaitInput(timeoutNanos));
                } catch (Throwable t) {
                    tid.completeExceptionally(t);
                    result.completeExceptionally(t);
                }
            });
            return new Waiting(device, result, tid.get(30, TimeUnit.SECONDS));
        }

        /** Returns once the thread is blocked in ppoll(2); fails if its wait ended first. */
        void untilSleepingInPpoll() throws Exception {
            String ppoll = switch (System.getProperty("os.arch")) {
                case "amd64", "x86_64" -> "271";
                case "aarch64" -> "73";
                default -> null;
            };
            Assumptions.assumeTrue(ppoll != null, "ppoll's syscall number on " + System.getProperty("os.arch"));
            Path syscall = Path.of("/proc/self/task/" + tid + "/syscall");
            while (true) {
                if (result.isDone()) {
                    fail("the wait ended before anything could end it: " + result.get() + ", calls " + fake.calls());
                }
                try {
                    if (Files.readString(syscall).startsWith(ppoll + " ")) {
                        return;
                    }
                } catch (NoSuchFileException e) {
                    fail("the waiting thread is gone");
                }
                Thread.sleep(1);
            }
        }
    }
}
