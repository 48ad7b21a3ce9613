package io.flyover.stack.net;

/**
 * The network-layer facts about one received packet that a transport needs, filled by the IP layer and
 * reused for every packet (valid only during the call it is passed to).
 */
public final class IpMeta {
    /** 4 or 6. */
    public int version;
    /** Addresses in the two-long form of {@link IpAddress}. */
    public long sourceHi, sourceLo, destinationHi, destinationLo;
    public int ttl;
    public int trafficClass;
    /** True when the destination was a multicast or broadcast address, not one of ours. */
    public boolean multicastOrBroadcast;
    /** Where the IP header starts in the segment, and the IP packet length (for ICMP quoting). */
    public long ipOffset;
    public int ipLength;
}
