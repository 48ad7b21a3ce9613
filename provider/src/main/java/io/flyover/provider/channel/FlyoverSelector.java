package io.flyover.provider.channel;

import io.flyover.provider.runtime.FlyoverNetwork;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.spi.AbstractSelectableChannel;
import java.nio.channels.spi.AbstractSelector;
import java.nio.channels.spi.SelectorProvider;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;

/**
 * A selector over Flyover channels and kernel channels at once (ARCHITECTURE.md, "Provider"): Flyover
 * readiness is signalled by the stacks (level-triggered: a key stays a candidate while it is ready, as
 * with epoll), kernel and foreign channels (a fallback socket, a JDK {@code Pipe}) are registered in an
 * inner JDK selector, and one {@code select()} reports both.
 *
 * <p>Waiting: a selecting thread first polls the stacks itself for {@code flyover.spin.nanos}; then it
 * blocks in the inner selector when kernel channels are registered (Flyover readiness calls its
 * {@code wakeup()}), or parks (Flyover readiness unparks it). Semantics follow
 * {@code sun.nio.ch.SelectorImpl}: key sets, cancelled-key deregistration at each selection, the
 * update rules for keys already selected, {@code select(Consumer)}, {@code wakeup} before a select,
 * interruption, and {@code close} while another thread selects.
 */
public final class FlyoverSelector extends AbstractSelector {
    private static final int RUNNING = 0;
    private static final int PARKED = 1;
    private static final int IN_INNER = 2;

    private final FlyoverNetwork network;
    private final Selector inner;
    private final Set<SelectionKey> keys = ConcurrentHashMap.newKeySet();
    private final Set<SelectionKey> publicKeys = Collections.unmodifiableSet(keys);
    private final SelectedKeySet selectedKeys = new SelectedKeySet();
    private final Set<SelectionKey> publicSelectedKeys = new UngrowableSet<>(selectedKeys);
    private final ReentrantLock selectLock = new ReentrantLock();
    private boolean inSelect;

    private final ManyToOneConcurrentArrayQueue<FlyoverKey> signals = new ManyToOneConcurrentArrayQueue<>(4096);
    private volatile boolean signalOverflow;
    private final List<FlyoverKey> candidates = new ArrayList<>();
    private final List<FlyoverKey> pass = new ArrayList<>();
    private final Consumer<SelectionKey> innerAction = this::innerReady;

    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private volatile int waitState = RUNNING;
    private volatile Thread waiter;

    FlyoverSelector(SelectorProvider provider, FlyoverNetwork network, SelectorProvider kernel) throws IOException {
        super(provider);
        this.network = network;
        this.inner = kernel.openSelector();
    }

    // --- key sets -------------------------------------------------------------------------------

    private void ensureOpen() {
        if (!isOpen()) {
            throw new ClosedSelectorException();
        }
    }

    @Override
    public Set<SelectionKey> keys() {
        ensureOpen();
        return publicKeys;
    }

    @Override
    public Set<SelectionKey> selectedKeys() {
        ensureOpen();
        return publicSelectedKeys;
    }

    // --- registration ---------------------------------------------------------------------------

    @Override
    protected SelectionKey register(AbstractSelectableChannel ch, int ops, Object attachment) {
        FlyoverSelectable flyover = ch instanceof FlyoverSelectable f ? f : null;
        ensureOpen();
        FlyoverKey k = new FlyoverKey(this, ch, flyover);
        if (attachment != null) {
            k.attach(attachment);
        }
        keys.add(k);
        k.interestOps(ops);
        try {
            if (flyover != null) {
                flyover.addKey(k);
            } else {
                // a JDK channel (a Pipe, a kernel socket): the inner selector serves it, or refuses a
                // channel of another provider with IllegalSelectorException, as the JDK's own selector does
                k.attachKernel(ch);
            }
        } catch (ClosedChannelException e) {
            // the channel closed meanwhile: the key is cancelled with it, as the JDK allows
            k.cancel();
        } catch (RuntimeException e) {
            keys.remove(k);
            throw e;
        }
        if (!isOpen()) {
            keys.remove(k);
            k.cancel();
            throw new ClosedSelectorException();
        }
        return k;
    }

    /** Registers a kernel channel with the inner selector on behalf of {@code key}. */
    SelectionKey registerInner(SelectableChannel ch, int ops, FlyoverKey key) throws ClosedChannelException {
        SelectionKey k = ch.register(inner, ops, key);
        if (waitState == IN_INNER) {
            inner.wakeup(); // a blocked inner select sees new registrations only at its next round
        }
        return k;
    }

    /**
     * Readiness may have changed for {@code key} (a stack event, an interest change, a path decision):
     * queue it for re-evaluation and, if asked, wake a blocked select.
     */
    void signal(FlyoverKey key, boolean wake) {
        if (key.signalled.compareAndSet(false, true)) {
            if (!signals.offer(key)) {
                key.signalled.set(false);
                signalOverflow = true;
            }
        }
        if (wake) {
            wakeWaiter();
        }
    }

    /** A stack event of {@code ops} for {@code key}: queued and woken only when the key is interested. */
    void signalReady(FlyoverKey key, int ops) {
        if ((key.interest() & ops) != 0) {
            signal(key, true);
        }
    }

    private void wakeWaiter() {
        int s = waitState;
        if (s == PARKED) {
            LockSupport.unpark(waiter);
        } else if (s == IN_INNER) {
            inner.wakeup();
        }
    }

    // --- selection ------------------------------------------------------------------------------

    @Override
    public int selectNow() throws IOException {
        return lockAndSelect(null, 0);
    }

    @Override
    public int select(long timeout) throws IOException {
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndSelect(null, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select() throws IOException {
        return lockAndSelect(null, -1);
    }

    @Override
    public int select(Consumer<SelectionKey> action, long timeout) throws IOException {
        Objects.requireNonNull(action);
        if (timeout < 0) {
            throw new IllegalArgumentException("Negative timeout");
        }
        return lockAndSelect(action, timeout == 0 ? -1 : timeout);
    }

    @Override
    public int select(Consumer<SelectionKey> action) throws IOException {
        Objects.requireNonNull(action);
        return lockAndSelect(action, -1);
    }

    @Override
    public int selectNow(Consumer<SelectionKey> action) throws IOException {
        Objects.requireNonNull(action);
        return lockAndSelect(action, 0);
    }

    private int lockAndSelect(Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
        selectLock.lock();
        try {
            ensureOpen();
            if (inSelect) {
                throw new IllegalStateException("select in progress");
            }
            inSelect = true;
            try {
                return doSelect(action, timeoutMillis);
            } finally {
                inSelect = false;
            }
        } finally {
            selectLock.unlock();
        }
    }

    /** @param timeoutMillis -1 to wait without limit, 0 for selectNow */
    private int doSelect(Consumer<SelectionKey> action, long timeoutMillis) throws IOException {
        boolean blocking = timeoutMillis != 0;
        long deadline = timeoutMillis > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis) : Long.MAX_VALUE;
        long spinEnd = network.runtimes().isEmpty() ? 0 : System.nanoTime() + network.spinNanos();
        processCancelled();
        int n = 0;
        if (blocking) {
            begin(); // an interrupt calls wakeup()
        }
        try {
            for (;;) {
                gatherFlyover();
                if (!inner.keys().isEmpty()) {
                    inner.selectNow(innerAction);
                }
                n = finishPass(action);
                boolean woken = wakeupPending.getAndSet(false);
                if (n > 0 || !blocking || woken || !isOpen() || Thread.currentThread().isInterrupted()) {
                    break; // an inner JDK select replaces our interrupt hook with its own: check the status too
                }
                long now = System.nanoTime();
                if (now >= deadline) {
                    break;
                }
                if (now < spinEnd) {
                    network.pollAll();
                    Thread.onSpinWait();
                    continue;
                }
                await(deadline == Long.MAX_VALUE ? -1 : deadline - now);
            }
        } finally {
            if (blocking) {
                end();
            }
        }
        processCancelled();
        return n;
    }

    /** Blocks until a signal, a wakeup, the deadline, or kernel readiness (gathered into the pass). */
    private void await(long nanos) throws IOException {
        waiter = Thread.currentThread();
        boolean kernel = !inner.keys().isEmpty();
        waitState = kernel ? IN_INNER : PARKED;
        try {
            if (!signals.isEmpty() || signalOverflow || wakeupPending.get()) {
                return;
            }
            network.beforeApplicationPark();
            if (kernel) {
                if (nanos < 0) {
                    inner.select(innerAction);
                } else {
                    inner.select(innerAction, Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)));
                }
            } else if (nanos < 0) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, nanos);
            }
        } finally {
            waitState = RUNNING;
        }
    }

    /** Drains stack signals into the candidate list and adds the candidates' ready Flyover ops to the pass. */
    private void gatherFlyover() {
        if (signalOverflow) {
            signalOverflow = false;
            for (SelectionKey k : keys) {
                markCandidate((FlyoverKey) k);
            }
        }
        FlyoverKey k;
        while ((k = signals.poll()) != null) {
            k.signalled.set(false);
            markCandidate(k);
        }
        for (int i = 0; i < candidates.size(); ) {
            FlyoverKey c = candidates.get(i);
            int ops = c.isValid() ? c.flyover.flyoverReadyOps(c.interest()) : 0;
            if (ops != 0) {
                addToPass(c, ops);
                i++;
            } else {
                c.candidate = false;
                int last = candidates.size() - 1;
                candidates.set(i, candidates.get(last));
                candidates.remove(last);
            }
        }
    }

    private void markCandidate(FlyoverKey k) {
        if (k.flyover != null && !k.candidate && k.isValid()) {
            k.candidate = true;
            candidates.add(k);
        }
    }

    private void innerReady(SelectionKey innerKey) {
        if (innerKey.attachment() instanceof FlyoverKey k) {
            if (k.flyover != null) {
                k.flyover.onKernelReady(innerKey.readyOps());
            }
            addToPass(k, innerKey.readyOps());
        }
    }

    private void addToPass(FlyoverKey k, int ops) {
        if (!k.inPass) {
            k.inPass = true;
            k.passOps = ops;
            pass.add(k);
        } else {
            k.passOps |= ops;
        }
    }

    /** Applies the pass to the keys as {@code SelectorImpl.processReadyEvents} does; returns keys updated. */
    private int finishPass(Consumer<SelectionKey> action) {
        int n = 0;
        int i = 0;
        try {
            for (; i < pass.size(); i++) {
                FlyoverKey k = pass.get(i);
                int ops = k.passOps;
                k.passOps = 0;
                k.inPass = false;
                if (!k.isValid()) {
                    continue;
                }
                int interest = k.interest();
                ops &= interest;
                if (action != null) {
                    k.setReady(ops);
                    if (ops != 0) {
                        action.accept(k);
                        ensureOpen();
                        n++;
                    }
                } else if (selectedKeys.contains(k)) {
                    int old = k.ready();
                    if ((old | ops) != old) {
                        k.setReady(old | ops);
                        n++;
                    }
                } else {
                    k.setReady(ops);
                    if (ops != 0) {
                        selectedKeys.add(k);
                        n++;
                    }
                }
            }
        } finally {
            for (int j = i + 1; j < pass.size(); j++) {
                pass.get(j).inPass = false;
                pass.get(j).passOps = 0;
            }
            pass.clear();
        }
        return n;
    }

    /** Deregisters cancelled keys (at the start and end of every selection, as the JDK). */
    private void processCancelled() {
        Set<SelectionKey> cancelled = cancelledKeys();
        SelectionKey[] batch;
        synchronized (cancelled) {
            if (cancelled.isEmpty()) {
                return;
            }
            batch = cancelled.toArray(new SelectionKey[0]);
            cancelled.clear();
        }
        for (SelectionKey sk : batch) {
            drop((FlyoverKey) sk);
        }
    }

    private void drop(FlyoverKey k) {
        k.detachKernel();
        if (k.flyover != null) {
            k.flyover.removeKey(k);
        }
        keys.remove(k);
        selectedKeys.remove(k);
        if (k.candidate) {
            k.candidate = false;
            candidates.remove(k);
        }
        deregister(k);
        JdkChannels.killIfClosed(k.channel());
    }

    // --- wakeup and close -----------------------------------------------------------------------

    @Override
    public Selector wakeup() {
        if (wakeupPending.compareAndSet(false, true)) {
            wakeWaiter();
        }
        return this;
    }

    @Override
    protected void implCloseSelector() throws IOException {
        wakeup();
        selectLock.lock();
        try {
            for (SelectionKey sk : keys.toArray(new SelectionKey[0])) {
                FlyoverKey k = (FlyoverKey) sk;
                drop(k);
            }
            synchronized (cancelledKeys()) {
                cancelledKeys().clear();
            }
            candidates.clear();
            signals.clear();
            inner.close();
        } finally {
            selectLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "FlyoverSelector[keys=" + keys.size() + (isOpen() ? "" : " closed") + "]";
    }
}
