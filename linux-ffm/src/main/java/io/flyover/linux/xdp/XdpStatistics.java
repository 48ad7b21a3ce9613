package io.flyover.linux.xdp;

/** struct xdp_statistics: what the kernel dropped or refused on an AF_XDP socket. */
public record XdpStatistics(long rxDropped, long rxInvalidDescs, long txInvalidDescs, long rxRingFull,
                            long rxFillRingEmptyDescs, long txRingEmptyDescs) {}
