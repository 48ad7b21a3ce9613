package io.flyover.provider.runtime;

import io.flyover.provider.events.DropsEvents;
import io.flyover.provider.events.FlyoverEvents;
import io.flyover.provider.stats.SocketStats;
import io.flyover.provider.stats.StatsFile;
import io.flyover.provider.stats.StatsPublisher;
import io.flyover.stack.Stack;
import io.flyover.stack.StackConfig;
import io.flyover.stack.StackCounters;
import io.flyover.stack.net.IpAddress;
import io.flyover.stack.tcp.TcpConnection;
import io.flyover.stack.tcp.TcpListener;
import io.flyover.stack.tcp.TcpReadinessListener;
import io.flyover.stack.udp.UdpSocket;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.IdleStrategy;

/**
 * One Flyover {@link Stack} and the lock that owns it, as Onload's stack lock: an application thread in
 * a channel operation takes the lock, works on its {@code TcpConnection} or {@code UdpSocket}, flushes
 * and releases. A background stack thread ({@link StackAgent}) try-locks and polls so that timers, ACKs
 * and retransmissions run while the application does not call in; a thread waiting in {@code select()}
 * or a blocking read try-locks and polls the stack itself before it parks (run to completion, as XLIO);
 * while application threads poll the stack themselves the stack thread rests (XLIO's inline mode). When
 * nobody polls a device stack and no timer is near, its thread sleeps in the device until input
 * arrives (interrupt mode, {@link io.flyover.stack.device.NetDevice#awaitInput}); a loopback stack's
 * thread only runs its timers, since every send there runs to completion.
 *
 * <p>Readiness reported by the stack (its TCP and UDP readiness listeners) is passed to the socket's
 * {@link SocketEvents} attachment, which wakes parked threads and selectors, once the lock is released
 * ({@link #unlock}), so that the woken thread finds it free. An application thread that arms a TCP
 * timer nearer than the stack thread's sleep wakes that thread as it releases the lock. What a connection
 * leaving the table held (the kernel socket reserving its port) is closed then too, outside the lock.
 */
public final class StackRuntime implements AutoCloseable {
    private final String interfaceName;
    private final Stack stack;
    private final boolean loopback;
    private final LongSupplier clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final AutoCloseable onClose;
    private final TcpPortReservations reservedTcpPorts = new TcpPortReservations((int) (System.nanoTime() & 0x3FFF));
    private AgentRunner agentRunner;
    /** This stack's statistics (io.flyover.provider.stats), or null when the runtime publishes none. */
    private StatsPublisher publisher;
    private AutoCloseable dropEvents;
    private volatile boolean closed;
    /** Loopback only: the last poll left frames in the loop (or a timer due): the next poll has work. */
    private final SpinSignal loopbackBacklog = new SpinSignal();
    /** When the stack was last polled (by any thread), and the deadline that poll returned. */
    private final PollRecord lastPoll = new PollRecord();
    /** The stack thread while it rests because application threads drive the stack, else null. */
    private volatile Thread restingAgent;
    /** Changed by every {@link #wakeAgent}: a rest decided before it is not taken. */
    private volatile int applicationParks;
    /**
     * How the stack thread sleeps now: {@link #AWAKE}, {@link #PARKED} in its rest, or {@link #IN_DEVICE}.
     * Every unlock reads it, so it sits alone on its lines; only the stack thread writes it.
     */
    private final SpinSignal agentSleep = new SpinSignal();
    private static final int AWAKE = 0;
    private static final int PARKED = 1;
    private static final int IN_DEVICE = 2;
    /** The latest the sleeping stack thread wakes by itself (written before {@link #agentSleep}). */
    private volatile long agentSleepsUntil;

    /**
     * @param interfaceName the host interface this stack serves ({@code lo} for the loopback stack), as
     *     the offload policy's route lookup names it
     * @param loopback whether the stack owns 127.0.0.0/8 and ::1
     * @param clock the stack's time ({@code System::nanoTime} in production)
     * @param onClose what else to release when the runtime closes (the device, the frame pool), or null
     */
    public StackRuntime(String interfaceName, Stack stack, boolean loopback, LongSupplier clock, AutoCloseable onClose) {
        this.interfaceName = interfaceName;
        this.stack = stack;
        this.loopback = loopback;
        this.clock = clock;
        this.onClose = onClose;
        stack.tcp().setReadinessListener(new Readiness(this, interfaceName));
        stack.udp().setReadinessListener(socket -> notifyAfterUnlock(socket.attachment, SocketEvents.READABLE));
    }

    /** Starts the background stack thread (a daemon) with the given idle strategy. */
    public synchronized void start(IdleStrategy idle, ThreadFactory threads) {
        if (agentRunner != null || closed) {
            return;
        }
        ErrorHandler errors = t -> System.getLogger(StackRuntime.class.getName())
                .log(System.Logger.Level.ERROR, "stack thread of " + interfaceName + " failed", t);
        // busy-spin and yield keep the stack thread on its core; backoff and sleep let it sleep in the device
        sleepInDeviceWhenIdle(idle instanceof org.agrona.concurrent.BackoffIdleStrategy
                || idle instanceof org.agrona.concurrent.SleepingIdleStrategy);
        agentRunner = new AgentRunner(idle, errors, null, new StackAgent(this));
        AgentRunner.startOnThread(agentRunner, threads);
    }

    /**
     * Publishes this stack's counters into {@code stats} from now on (every {@code intervalNanos}, from
     * whichever thread polls) and reports its drops as JFR events.
     */
    public void publishStats(StatsFile stats, long intervalNanos) {
        lock.lock();
        try {
            if (publisher == null && !closed) {
                publisher = stats.newPublisher(stack, interfaceName, intervalNanos);
                dropEvents = DropsEvents.register(interfaceName, publisher::publishedDrops);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Per-socket counters of an offloaded connection (the lock must be held); {@link SocketStats#NONE} without statistics. */
    public SocketStats track(TcpConnection c) {
        return publisher == null ? SocketStats.NONE : publisher.track(c);
    }

    /** Per-socket counters of a listener (the lock must be held). */
    public SocketStats track(TcpListener l) {
        return publisher == null ? SocketStats.NONE : publisher.track(l);
    }

    /** Per-socket counters of a UDP socket (the lock must be held). */
    public SocketStats track(UdpSocket s) {
        return publisher == null ? SocketStats.NONE : publisher.track(s);
    }

    public String interfaceName() { return interfaceName; }
    public boolean isLoopback() { return loopback; }
    public StackCounters counters() { return stack.counters(); }
    public StackConfig config() { return stack.config(); }

    /** How many times the stack thread polled the stack: lets tests see that it runs. */
    public long stackThreadPolls() { return lastPoll.polls(); }

    /** The stack itself, for use only while {@link #lock() locked}. */
    public Stack stack() {
        assert lock.isHeldByCurrentThread();
        return stack;
    }

    /** Whether this stack answers for {@code address} (one of its own, or loopback on the loopback stack). */
    public boolean owns(IpAddress address) {
        StackConfig c = stack.config();
        if (loopback && address.toInetAddress().isLoopbackAddress()) {
            return true;
        }
        if (address.isV4()) {
            return c.ipv4Address() != null && c.ipv4Address().equals(address);
        }
        return c.ipv6Addresses().contains(address);
    }

    /** Whether this stack has an address of the family of {@code address} to send from. */
    public boolean hasFamily(IpAddress address) {
        StackConfig c = stack.config();
        if (loopback) {
            return true;
        }
        return address.isV4() ? c.ipv4Address() != null : !c.ipv6Addresses().isEmpty();
    }

    /**
     * Reserves a TCP port of this stack for a socket bound to an address only Flyover serves (no kernel
     * socket holds it): {@code port} itself, or an ephemeral port (49152-65535) when 0.
     *
     * Shared with other holders that all set SO_REUSEPORT when {@code reusePort}.
     *
     * @throws java.net.BindException when the port is taken
     */
    public int reserveTcpPort(int port, boolean reusePort) throws java.net.BindException {
        return reservedTcpPorts.reserve(port, reusePort);
    }

    /** Gives back one reservation of {@code port}. */
    public void releaseTcpPort(int port) {
        reservedTcpPorts.release(port);
    }

    /**
     * Takes the stack lock, spinning up to {@link #LOCK_SPIN_NANOS} before queueing: the holder is
     * another application thread or the stack thread inside one bounded poll, and a parked waiter waits
     * for the scheduler (on a virtual machine, for an idle vCPU to be woken: tens of microseconds to
     * milliseconds) while the holder is long done (Onload's stack lock spins too).
     */
    public void lock() {
        if (lock.tryLock()) {
            return;
        }
        long deadline = 0;
        for (int i = 1; ; i++) {
            // test, then test-and-set: spinning on a read leaves the lock's cache line with the holder
            if (!lock.isLocked() && lock.tryLock()) {
                return;
            }
            Thread.onSpinWait();
            if ((i & 63) == 0) {
                long now = System.nanoTime(); // real time, not the injected clock: a test's clock may stand still
                if (deadline == 0) {
                    deadline = now + LOCK_SPIN_NANOS;
                } else if (now - deadline > 0) {
                    break;
                }
            }
        }
        lock.lock();
    }

    /** How long {@link #lock()} spins before it queues: longer than any one poll holds the lock. */
    private static final long LOCK_SPIN_NANOS = 50_000;

    /**
     * Whether a reader whose socket was empty, and heard no readiness event since, should poll the stack
     * for input. On the loopback stack a send runs to completion (the peer hears its data inside
     * {@link #flushLocked}), so only a backlog left by a bounded flush or a busy poll needs one, and the
     * stack thread runs the timers; a device stack needs one when nobody else is polling it (its lock is
     * free), since a holder polls and reports what arrives.
     */
    public boolean inputMayBePending() {
        return loopback ? loopbackBacklog.get() != 0 : !lock.isLocked();
    }

    public boolean tryLock() {
        return lock.tryLock();
    }

    public void unlock() {
        if (lock.getHoldCount() != 1) {
            lock.unlock();
            return;
        }
        SocketEvents first = deferredFirst, second = deferredSecond;
        int firstEvents = deferredFirstEvents, secondEvents = deferredSecondEvents;
        AutoCloseable[] released = null;
        int wake = AWAKE;
        try {
            if (first != null) {
                deferredFirst = deferredSecond = null;
            }
            wake = noteNearerTimer();
            released = releasedHoldings.take();
        } finally {
            lock.unlock();
        }
        try {
            if (first != null) {
                first.onStackEvent(firstEvents);
                if (second != null) {
                    second.onStackEvent(secondEvents);
                }
            }
        } finally {
            closeAll(released); // system calls: not under the lock every socket of the stack waits on; never throws
            endAgentSleep(wake); // after the release: the stack thread does not wake to a held lock
        }
    }

    /** Closes what {@link DeferredCloses#take} handed over (null: nothing), quietly. */
    private static void closeAll(AutoCloseable[] released) {
        if (released != null) {
            for (AutoCloseable held : released) {
                closeQuietly(held);
            }
        }
    }

    /**
     * Reports {@code events} to the socket's channel once the lock is released (the first two sockets of
     * a critical section; others at once). A reader spinning on its channel's event sequence then finds
     * the lock free when it sees the data, instead of spinning on the lock while the sender finishes its
     * poll: the lock's cache line moves once per message instead of three times.
     */
    private void notifyAfterUnlock(Object attachment, int events) {
        if (!(attachment instanceof SocketEvents target)) {
            return;
        }
        if (deferredFirst == null || deferredFirst == target) {
            deferredFirstEvents = deferredFirst == null ? events : deferredFirstEvents | events;
            deferredFirst = target;
        } else if (deferredSecond == null || deferredSecond == target) {
            deferredSecondEvents = deferredSecond == null ? events : deferredSecondEvents | events;
            deferredSecond = target;
        } else {
            target.onStackEvent(events);
        }
    }

    /** Events for up to two sockets, reported by {@link #unlock} after the release (under the lock). */
    private SocketEvents deferredFirst, deferredSecond;
    private int deferredFirstEvents, deferredSecondEvents;

    /** What connections that left the table held ({@link TcpConnection#heldUntilReleased}), closed by {@link #unlock}. */
    private final DeferredCloses releasedHoldings = new DeferredCloses();

    /**
     * Before the lock goes: whether what ran under it (a send, a connect, a close) armed a TCP timer nearer
     * than the deadline of the last poll, which the stack thread sleeps towards. If so the deadline is
     * lowered and the kind of sleep to end is returned ({@link #unlock} ends it after the release), or a
     * retransmission or tail-loss probe due in 1 ms would wait for the end of a 10 ms sleep. A Dekker pair with {@link #announceSleep}: this lowers the
     * deadline, then reads the sleep; the stack thread announces its sleep, then reads the deadline.
     * Rare: deadlines mostly move later (each ACK restarts the retransmission timer), and a poll records
     * the exact one.
     */
    private int noteNearerTimer() {
        long armed = stack.tcp().nextDeadline();
        if (armed >= lastPoll.nextDeadlineNanos()) {
            return AWAKE;
        }
        lastPoll.lowerDeadline(armed);
        int sleep = agentSleep.get();
        return armed >= agentSleepsUntil ? AWAKE : sleep; // else it wakes in time and sleeps towards the new deadline
    }

    /** Ends the stack thread's sleep of the kind {@code sleep} ({@link #AWAKE}: nothing to do). */
    private void endAgentSleep(int sleep) {
        if (sleep == IN_DEVICE) {
            stack.device().wakeInput();
        } else if (sleep == PARKED) {
            unparkRestingAgent();
        }
    }

    /**
     * The stack thread is about to sleep ({@link #PARKED} or {@link #IN_DEVICE}) for at most
     * {@code maxNanos}: announced before it reads the deadline it sleeps towards, so a timer armed from
     * now on that falls before the sleep's end wakes it.
     */
    private void announceSleep(int how, long maxNanos) {
        agentSleepsUntil = clock.getAsLong() + maxNanos;
        agentSleep.set(how);
    }

    public boolean isHeldByCurrentThread() {
        return lock.isHeldByCurrentThread();
    }

    /** The stack's notion of now. */
    public long now() {
        return clock.getAsLong();
    }

    /**
     * Polls the stack once (receive, timers, transmit); the lock must be held. Returns whether anything was received or sent.
     */
    public boolean pollLocked() {
        return pollLocked(false);
    }

    /** @param byStackThread a poll of the stack thread's own, which is not the application driving the stack */
    private boolean pollLocked(boolean byStackThread) {
        assert lock.isHeldByCurrentThread();
        if (closed) {
            return false;
        }
        StackCounters c = stack.counters();
        long before = c.rxFrames() + c.txFrames();
        long now = clock.getAsLong();
        long nextDeadline = stack.poll(now);
        if (byStackThread) {
            lastStackThreadPollNanos = now;
            lastPoll.recordDeadline(nextDeadline);
        } else {
            lastPoll.record(now, nextDeadline);
        }
        StatsPublisher p = publisher;
        if (p != null) {
            p.recordPoll();
            p.publishIfDue(now);
        }
        if (loopback) {
            boolean backlog = nextDeadline <= now; // frames wait in the loop (or a timer is due)
            if ((loopbackBacklog.get() != 0) != backlog) {
                loopbackBacklog.set(backlog ? 1 : 0);
            }
        }
        return c.rxFrames() + c.txFrames() != before;
    }

    /**
     * A reader found its socket empty (the lock must be held): polls when input may wait that no poll
     * has taken in yet, and says whether it did. On the loopback stack only a backlog can hold input
     * (sends run to completion); a device stack's receive ring can always hold some.
     */
    public boolean pollForInputLocked() {
        if (loopback && loopbackBacklog.get() == 0) {
            return false;
        }
        pollLocked();
        return true;
    }

    /**
     * Polls when the lock is free and nobody waits for it (a spinning thread must not starve an
     * application thread queued for the lock); never waits. Returns whether the poll did work.
     */
    public boolean tryPoll() {
        return tryPoll(false);
    }

    private boolean tryPoll(boolean byStackThread) {
        if (lock.hasQueuedThreads() || !lock.tryLock()) {
            return false;
        }
        try {
            return pollLocked(byStackThread);
        } finally {
            unlock();
        }
    }

    /** When the stack thread last polled (its own field: it alone reads and writes it). */
    private long lastStackThreadPollNanos = Long.MIN_VALUE / 2;

    /**
     * The stack thread's turn (XLIO's inline mode): it polls when a loopback backlog waits or nobody
     * polled for {@link #INLINE_NANOS}; while application
     * threads drive the stack themselves it rests out of their way (no lock handoffs, no CPU taken from
     * them, no lock held by a descheduled thread). Returns whether a poll did work.
     */
    boolean agentTurn() {
        int parksSeen = applicationParks;
        if (applicationDriving() || loopbackQuiet()) {
            agentRest(parksSeen);
            return false;
        }
        if (tryPoll(true)) {
            emptyAgentPolls = 0;
            return true;
        }
        // idle: after a short spin, sleep in the device until input (interrupt mode) instead of parking
        // blind, which would leave a frame that arrives meanwhile waiting for the park to end
        return sleepsInDevice && ++emptyAgentPolls >= SPINS_BEFORE_DEVICE_WAIT && awaitDeviceInput();
    }

    /** Whether the stack thread may sleep in the device when idle (a device stack not told to spin). */
    private volatile boolean sleepsInDevice;

    /** Set by {@link #start} from the idle strategy (and by tests that drive the turns by hand). */
    void sleepInDeviceWhenIdle(boolean allowed) {
        sleepsInDevice = allowed;
    }

    /** Empty polls in a row by the stack thread (its own counter). */
    private int emptyAgentPolls;

    /** Empty polls the stack thread spins through before it sleeps in the device. */
    private static final int SPINS_BEFORE_DEVICE_WAIT = 100;

    /**
     * The longest sleep in the device: the stack thread looks at its timers at least this often, as
     * XLIO's internal thread does at its default {@code XLIO_TCP_TIMER_RESOLUTION_MSEC} of 10 ms.
     */
    private static final long DEVICE_WAIT_MAX_NANOS = 10_000_000;

    /**
     * Sleeps in the device ({@link io.flyover.stack.device.NetDevice#awaitInput}) until input may have
     * arrived or the next timer is near; false (the idle strategy parks instead) when a timer is due
     * within {@link #DEVICE_WAIT_MIN_NANOS}, the device cannot wait, or the runtime closes.
     */
    private boolean awaitDeviceInput() {
        if (loopback) {
            return false;
        }
        announceSleep(IN_DEVICE, DEVICE_WAIT_MAX_NANOS);
        try {
            long wait = Math.min(DEVICE_WAIT_MAX_NANOS, lastPoll.nextDeadlineNanos() - clock.getAsLong());
            if (wait < DEVICE_WAIT_MIN_NANOS || closed) {
                return false;
            }
            return stack.device().awaitInput(wait);
        } finally {
            agentSleep.set(AWAKE);
        }
    }

    /**
     * A timer nearer than this is waited for by the idle strategy, not in the device: Linux lets a
     * sleeping thread's timer slip by its slack (50 µs by default).
     */
    private static final long DEVICE_WAIT_MIN_NANOS = 100_000;

    /**
     * Loopback only: nothing waits in the loop and no timer is due. The loopback stack has no input of
     * its own (every send runs to completion in {@link #flushLocked}), so its thread polls only for a
     * backlog, a due timer, or at least every {@link #INLINE_REST_NANOS} in case a deadline changed
     * without a poll; in between it stays off the CPUs that busy-polling readers spin on.
     */
    private boolean loopbackQuiet() {
        if (!loopback || loopbackBacklog.get() != 0) {
            return false;
        }
        long now = clock.getAsLong();
        long polled = Math.max(lastPoll.lastPollNanos(), lastStackThreadPollNanos);
        return lastPoll.nextDeadlineNanos() > now && now - polled < INLINE_REST_NANOS;
    }

    /** How long after an application thread's poll the stack thread leaves the stack to it. */
    private static final long INLINE_NANOS = 50_000;

    /**
     * The stack thread found the application driving the stack: it rests (parked, so it neither takes a
     * CPU from the application nor wakes every millisecond to preempt one) until a due deadline, at most
     * {@link #INLINE_REST_NANOS}, or until an application thread about to park {@link #wakeAgent wakes} it.
     */
    private void agentRest(int parksSeen) {
        restingAgent = Thread.currentThread();
        announceSleep(PARKED, INLINE_REST_NANOS);
        try {
            if (applicationParks != parksSeen) {
                return; // an application thread parked since the decision: it may not have seen us resting
            }
            long now = clock.getAsLong();
            long deadline = lastPoll.nextDeadlineNanos();
            long rest = deadline == Long.MAX_VALUE ? INLINE_REST_NANOS
                    : Math.max(0, Math.min(INLINE_REST_NANOS, deadline - now));
            if (rest > 0 && !closed) {
                LockSupport.parkNanos(this, rest);
            }
        } finally {
            agentSleep.set(AWAKE);
            restingAgent = null;
        }
    }

    /** The longest rest of the stack thread while the application drives the stack. */
    private static final long INLINE_REST_NANOS = 5_000_000;

    /** Ends the stack thread's rest (an application thread is about to park and stop polling). */
    public void wakeAgent() {
        lastApplicationParkNanos = clock.getAsLong();
        applicationParks++;
        unparkRestingAgent();
    }

    private void unparkRestingAgent() {
        Thread t = restingAgent;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Whether application threads polled the stack within {@link #INLINE_NANOS} (their polls run the due
     * timers too), none parked since that poll, and no loopback backlog was left.
     */
    private boolean applicationDriving() {
        long last = lastPoll.lastPollNanos();
        return clock.getAsLong() - last < INLINE_NANOS && last - lastApplicationParkNanos > 0
                && loopbackBacklog.get() == 0;
    }

    /**
     * When an application thread last stopped polling to park ({@link #wakeAgent}): polls from before
     * it do not count as the application driving the stack, or the stack thread would rest again while
     * the parked thread waits for input only the stack thread will now poll in.
     */
    private volatile long lastApplicationParkNanos = Long.MIN_VALUE / 2;

    /**
     * Sends output queued by the application (the lock must be held). On the loopback stack the packets
     * are also delivered, and what they cause (acknowledgements, a handshake's next segments) runs to
     * completion, as the kernel's loopback runs the receive path inside the send: the peer socket is
     * readable (and its waiter woken) when this returns.
     */
    public void flushLocked() {
        assert lock.isHeldByCurrentThread();
        if (!closed) {
            stack.flush();
            if (loopback) {
                // until nothing waits in the loop: no quiet poll at the end, the peer's reader is
                // spinning for this lock (bounded: a busy peer must not hold the sender here)
                for (int i = 0; i < LOOPBACK_ROUNDS && (i == 0 || loopbackBacklog.get() != 0); i++) {
                    pollLocked();
                }
            } else if (stack.hasLocalTraffic()) {
                pollLocked(); // sent to one of the stack's own addresses: delivered now, not when the
                              // stack thread next wakes from its device
            }
        }
    }

    /** At most this many polls deliver a loopback send (each moves a burst round the loop). */
    private static final int LOOPBACK_ROUNDS = 16;

    /** Stops the stack thread, closes the stack and whatever came with it. */
    @Override
    public void close() {
        AgentRunner runner;
        synchronized (this) {
            runner = agentRunner;
            agentRunner = null;
        }
        if (runner != null) {
            runner.close();
        }
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (publisher != null) {
                publisher.close();
                closeQuietly(dropEvents);
            }
            stack.close();
        } finally {
            unlock(); // and report what closing the stack raised
        }
        if (onClose != null) {
            try {
                onClose.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the device of " + interfaceName, e);
            }
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // a JFR periodic hook that will not unregister, or a kernel port reservation whose connection
            // is gone either way: harmless
        }
    }

    @Override
    public String toString() {
        return "StackRuntime[" + interfaceName + "]";
    }

    /**
     * Passes the TCP layer's readiness reports to the channel attached to each socket, and what a released
     * connection held to be closed, after the unlock.
     */
    private static final class Readiness implements TcpReadinessListener {
        private final StackRuntime runtime;
        private final String interfaceName;

        Readiness(StackRuntime runtime, String interfaceName) {
            this.runtime = runtime;
            this.interfaceName = interfaceName;
        }

        @Override
        public void onReadable(TcpConnection c) {
            notify(c.attachment, SocketEvents.READABLE);
        }

        @Override
        public void onWritable(TcpConnection c) {
            notify(c.attachment, SocketEvents.WRITABLE);
        }

        @Override
        public void onConnected(TcpConnection c) {
            if (c.isConnected()) {
                FlyoverEvents.connectionEstablished(c, interfaceName, 0);
            }
            notify(c.attachment, SocketEvents.CONNECTED);
        }

        @Override
        public void onAcceptable(TcpListener l) {
            notify(l.attachment, SocketEvents.ACCEPTABLE);
        }

        @Override
        public void onReleased(TcpConnection c) {
            if (c.heldUntilReleased instanceof AutoCloseable held) {
                c.heldUntilReleased = null;
                runtime.releasedHoldings.add(held);
            }
        }

        private void notify(Object attachment, int events) {
            runtime.notifyAfterUnlock(attachment, events);
        }
    }
}
