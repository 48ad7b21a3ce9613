package io.flyover.stack.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reachability states of RFC 4861 section 7.3.2/7.3.3 in the neighbour cache alone, through a
 * recording link: what is sent to whom, and when traffic is held.
 */
class NeighborCacheTest {
    static final long S = 1_000_000_000L;
    static final long REACHABLE = 30 * S;
    static final long HI = 0;
    static final long LO = IpAddress.v4Lo(0xC612_0001);
    static final long MAC = 0x0200_0000_0001L;
    static final long OTHER_MAC = 0x0200_0000_0099L;

    /** Everything the cache asked of its link, in order, as text. */
    final List<String> events = new ArrayList<>();
    final NeighborCache cache = new NeighborCache(new NeighborCache.Link() {
        @Override
        public void sendResolution(long hi, long lo, long knownMac) {
            events.add(knownMac < 0 ? "solicit broadcast" : "solicit " + Long.toHexString(knownMac));
        }

        @Override
        public void transmitResolved(int frame, long hi, long lo, long mac) {
            events.add("send " + frame + " to " + Long.toHexString(mac));
        }

        @Override
        public void dropUnresolved(int frame) {
            events.add("drop " + frame);
        }
    }, 64, 2, REACHABLE, S, 3);

    List<String> taken() {
        List<String> e = List.copyOf(events);
        events.clear();
        return e;
    }

    /** A resolved neighbour: broadcast, a unicast reply, the queued packet out. */
    long resolved() {
        long now = 10 * S;
        assertTrue(cache.resolveAndSend(1, HI, LO, now));
        assertEquals(List.of("solicit broadcast"), taken());
        cache.learn(HI, LO, MAC, NeighborCache.CONFIRMED | NeighborCache.OVERRIDE, now);
        assertEquals(List.of("send 1 to 20000000001"), taken());
        assertTrue(cache.isReachable(HI, LO, now));
        return now;
    }

    @Test
    void incompleteQueuesBoundedlyAndGivesUpAfterTheLastBroadcast() {
        assertTrue(cache.resolveAndSend(1, HI, LO, 0));
        assertTrue(cache.resolveAndSend(2, HI, LO, 0));
        assertFalse(cache.resolveAndSend(3, HI, LO, 0)); // the queue holds two
        assertEquals(List.of("solicit broadcast"), taken());
        cache.poll(S);
        cache.poll(2 * S);
        assertEquals(List.of("solicit broadcast", "solicit broadcast"), taken());
        assertEquals(Long.MAX_VALUE, cache.poll(3 * S));
        assertEquals(List.of("drop 1", "drop 2"), taken());
        assertEquals(-1, cache.lookup(HI, LO, 3 * S));
    }

    @Test
    void aStaleEntryIsUsedAtOnceAndItsFirstSendStartsDelayThenUnicastProbes() {
        long now = resolved() + REACHABLE; // the reachable time is over: STALE
        assertFalse(cache.isReachable(HI, LO, now));
        assertTrue(cache.resolveAndSend(2, HI, LO, now));
        assertEquals(List.of("send 2 to 20000000001"), taken()); // not held
        assertEquals(now + NeighborCache.DELAY_FIRST_PROBE_NANOS, cache.poll(now));
        now += NeighborCache.DELAY_FIRST_PROBE_NANOS;
        cache.poll(now);
        assertEquals(List.of("solicit 20000000001"), taken()); // PROBE: unicast to the cached address
        assertTrue(cache.resolveAndSend(3, HI, LO, now + S / 2));
        assertEquals(List.of("send 3 to 20000000001"), taken()); // still not held while probing
        cache.learn(HI, LO, MAC, NeighborCache.CONFIRMED | NeighborCache.OVERRIDE, now + S / 2);
        assertTrue(cache.isReachable(HI, LO, now + S / 2));
        assertEquals(Long.MAX_VALUE, cache.poll(now + 10 * S));
        assertEquals(List.of(), taken());
    }

    @Test
    void unansweredUnicastProbesDeleteTheEntryAndTheNextSendResolvesAnew() {
        long now = resolved() + REACHABLE;
        cache.resolveAndSend(2, HI, LO, now);
        now += NeighborCache.DELAY_FIRST_PROBE_NANOS;
        for (int probe = 0; probe < 3; probe++) {
            cache.poll(now);
            now += S;
        }
        assertEquals(List.of("send 2 to 20000000001", "solicit 20000000001", "solicit 20000000001",
                "solicit 20000000001"), taken());
        assertEquals(Long.MAX_VALUE, cache.poll(now)); // the third probe went unanswered: deleted
        assertEquals(-1, cache.lookup(HI, LO, now));
        assertTrue(cache.resolveAndSend(3, HI, LO, now));
        assertEquals(List.of("solicit broadcast"), taken()); // queued behind a broadcast request
    }

    @Test
    void upperLayerConfirmationKeepsAnEntryReachableWithoutProbing() {
        long now = resolved();
        for (int i = 0; i < 10; i++) {
            now += REACHABLE / 2;
            cache.confirm(HI, LO, now); // TCP forward progress
            assertTrue(cache.resolveAndSend(2 + i, HI, LO, now));
            cache.poll(now);
        }
        assertTrue(cache.isReachable(HI, LO, now));
        assertEquals(10, taken().size()); // the ten packets, no solicitation
        assertEquals(1, cache.solicitationsSent());
    }

    @Test
    void upperLayerConfirmationEndsDelayBeforeAnyProbe() {
        long now = resolved() + REACHABLE;
        cache.resolveAndSend(2, HI, LO, now); // DELAY
        cache.confirm(HI, LO, now + S);
        cache.poll(now + NeighborCache.DELAY_FIRST_PROBE_NANOS);
        assertEquals(List.of("send 2 to 20000000001"), taken());
        assertTrue(cache.isReachable(HI, LO, now + NeighborCache.DELAY_FIRST_PROBE_NANOS));
    }

    @Test
    void confirmationOfAnUnknownOrUnresolvedNeighborChangesNothing() {
        cache.confirm(HI, LO, 0);
        assertEquals(-1, cache.lookup(HI, LO, 0));
        cache.resolveAndSend(1, HI, LO, 0);
        cache.confirm(HI, LO, 0);
        assertEquals(-1, cache.lookup(HI, LO, 0)); // still INCOMPLETE, the packet still queued
        assertEquals(List.of("solicit broadcast"), taken());
    }

    @Test
    void anUnsolicitedMessageCreatesAStaleEntry() {
        cache.learn(HI, LO, MAC, NeighborCache.CREATE | NeighborCache.OVERRIDE, 0); // an NS or an ARP request
        assertEquals(MAC, cache.lookup(HI, LO, 0));
        assertFalse(cache.isReachable(HI, LO, 0));
        cache.resolveAndSend(1, HI, LO, 0);
        assertEquals(List.of("send 1 to 20000000001"), taken());
        cache.poll(NeighborCache.DELAY_FIRST_PROBE_NANOS);
        assertEquals(List.of("solicit 20000000001"), taken()); // DELAY, then a unicast probe
    }

    @Test
    void withoutCreateNothingIsLearnedAboutAStranger() {
        cache.learn(HI, LO, MAC, NeighborCache.CONFIRMED | NeighborCache.OVERRIDE, 0); // RFC 826 merge, RFC 4861 7.2.5
        assertEquals(-1, cache.lookup(HI, LO, 0));
    }

    @Test
    void arpCannotMoveAReachableEntryWithinTheLockOfItsLastChange() {
        long now = resolved();
        int arp = NeighborCache.OVERRIDE_UNLESS_LOCKED | NeighborCache.CONFIRMED;
        assertFalse(cache.learn(HI, LO, OTHER_MAC, arp, now + NeighborCache.LOCK_NANOS - 1));
        assertEquals(MAC, cache.lookup(HI, LO, now));
        // Confirmations that change nothing do not extend the lock (as Linux's "updated").
        cache.confirm(HI, LO, now + NeighborCache.LOCK_NANOS / 2);
        cache.learn(HI, LO, MAC, arp, now + NeighborCache.LOCK_NANOS / 2);
        assertTrue(cache.learn(HI, LO, OTHER_MAC, arp, now + NeighborCache.LOCK_NANOS));
        assertEquals(OTHER_MAC, cache.lookup(HI, LO, now));
        // The change restarts the lock.
        assertFalse(cache.learn(HI, LO, MAC, arp, now + NeighborCache.LOCK_NANOS + 1));
        assertEquals(OTHER_MAC, cache.lookup(HI, LO, now));
    }

    /** Seed 886 of StackTcpSimulationTest: an announcement resolved the entry, a corrupted reply followed 7 ms later. */
    @Test
    void theLockCoversEveryResolvedStateAsInLinux() {
        long now = 10 * S;
        cache.resolveAndSend(1, HI, LO, now);
        assertTrue(cache.learn(HI, LO, MAC, NeighborCache.OVERRIDE_UNLESS_LOCKED, now)); // the first answer wins: STALE
        assertEquals(List.of("solicit broadcast", "send 1 to 20000000001"), taken()); // and DELAY, by this send
        assertFalse(cache.isReachable(HI, LO, now));
        long corrupted = now + 7_000_000L;
        assertFalse(cache.learn(HI, LO, OTHER_MAC, NeighborCache.OVERRIDE_UNLESS_LOCKED | NeighborCache.CONFIRMED, corrupted));
        assertEquals(MAC, cache.lookup(HI, LO, corrupted));
        // A second later the neighbour may really have moved.
        assertTrue(cache.learn(HI, LO, OTHER_MAC, NeighborCache.OVERRIDE_UNLESS_LOCKED, now + NeighborCache.LOCK_NANOS));
        assertEquals(OTHER_MAC, cache.lookup(HI, LO, now + NeighborCache.LOCK_NANOS));
    }

    @Test
    void advertisementFlagsFollowRfc4861Section725() {
        long now = resolved();
        // Override clear, a different address, REACHABLE: STALE, the address kept.
        cache.learn(HI, LO, OTHER_MAC, NeighborCache.CONFIRMED, now);
        assertEquals(MAC, cache.lookup(HI, LO, now));
        assertFalse(cache.isReachable(HI, LO, now));
        // Override clear, a different address, not REACHABLE: ignored.
        cache.learn(HI, LO, OTHER_MAC, 0, now);
        assertEquals(MAC, cache.lookup(HI, LO, now));
        // The same address unsolicited changes nothing; solicited makes it REACHABLE.
        cache.learn(HI, LO, MAC, 0, now);
        assertFalse(cache.isReachable(HI, LO, now));
        cache.learn(HI, LO, MAC, NeighborCache.CONFIRMED, now);
        assertTrue(cache.isReachable(HI, LO, now));
        // Override set, unsolicited: the new address, STALE.
        cache.learn(HI, LO, OTHER_MAC, NeighborCache.OVERRIDE, now);
        assertEquals(OTHER_MAC, cache.lookup(HI, LO, now));
        assertFalse(cache.isReachable(HI, LO, now));
        // Override and solicited: REACHABLE at the new address.
        cache.learn(HI, LO, MAC, NeighborCache.OVERRIDE | NeighborCache.CONFIRMED, now);
        assertEquals(MAC, cache.lookup(HI, LO, now));
        assertTrue(cache.isReachable(HI, LO, now));
        assertEquals(List.of(), taken());
    }
}
