package io.flyover.provider.runtime;

/**
 * 128 bytes of padding that HotSpot lays out before a subclass's fields (a superclass's fields come
 * first): with a matching tail in the subclass, a field that one thread writes and another spins on
 * shares its cache lines, and the adjacent ones the prefetcher pairs with them, with nothing else.
 */
abstract class CacheLinePadding {
    @SuppressWarnings("unused")
    private long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
}
