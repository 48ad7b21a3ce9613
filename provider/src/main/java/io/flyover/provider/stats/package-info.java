/**
 * Per-process statistics, read live from another process by {@code flyover-stat} (as XLIO's
 * {@code xlio_stats} reads its per-process file).
 *
 * <p>Each process maps one file, {@code ${flyover.stats.dir:-/dev/shm/flyover}/flyover-<pid>.stats}
 * ({@link io.flyover.provider.stats.StatsFileLayout}: a header with magic, version, pid, JVM start
 * time, heartbeat and command line, then an Agrona {@code CountersManager}'s metadata and values).
 * Counters belong to the process (sockets offloaded and on the kernel, decisions by role), to each
 * stack (packets, bytes, drops by {@code DropReason}, {@code TcpStats}, frame pool, flow rules its
 * device failed to remove), to each stack's device queue (packets, polls) and to each socket (segments
 * and bytes each way, retransmissions, out-of-order, RTT, cwnd, windows, state), allocated when the
 * socket opens and freed when it closes.
 * Nothing here runs per packet: a stack's thread copies the stack's plain counters into the file every
 * {@code flyover.stats.interval.ms} (ordered stores, no lock, no allocation).
 *
 * <h2>How the runtime wires it</h2>
 * <pre>{@code
 * // once per process, at provider start (first call's settings win; a clean exit deletes the file)
 * StatsOptions options = StatsOptions.from(key -> settings.get(key).orElse(null));
 * StatsFile stats = StatsFile.shared(options);
 *
 * // per stack, when it is created (under the stack lock)
 * StatsPublisher publisher = stats.newPublisher(stack, interfaceName, options.publishIntervalNanos());
 * AutoCloseable dropEvents = DropsEvents.register(interfaceName, publisher::publishedDrops);
 *
 * // after every stack.poll(now), under the lock (StackRuntime.pollLocked)
 * publisher.recordPoll();
 * publisher.publishIfDue(now);
 *
 * // sockets, under the stack lock; keep the handle with the channel
 * SocketStats s = publisher.track(tcpConnection);   // after connect() or accept()
 * SocketStats s = publisher.track(tcpListener);     // after listen()
 * SocketStats s = publisher.track(udpSocket);       // after bind()
 * s.close();                                        // when the channel closes
 *
 * // the offload decision and the socket's life, from any thread (next to ProviderCounters)
 * stats.process().decided(role, decision.path());
 * stats.process().socketOpened(path);               // decided, or accepted from a listener on that path
 * stats.process().socketClosed(path);               // the channel closed
 *
 * // when the stack closes (under the lock)
 * publisher.close();
 * dropEvents.close();
 * }</pre>
 *
 * Settings: {@code flyover.stats} (true/false, default true), {@code flyover.stats.dir},
 * {@code flyover.stats.interval.ms} (default 100), {@code flyover.stats.max.counters} (default 16384;
 * sockets opened when the file is full get {@link io.flyover.provider.stats.SocketStats#NONE} and are
 * counted as {@code sockets.untracked}). When the file cannot be created the process runs without it
 * (one warning in the log) and every call above still works.
 *
 * <p>The command: {@link io.flyover.provider.stats.FlyoverStat}, launched by {@code provider/bin/flyover-stat}.
 */
package io.flyover.provider.stats;
