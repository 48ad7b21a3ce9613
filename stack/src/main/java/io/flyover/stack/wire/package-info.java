/**
 * Wire formats: flyweight views over a {@link java.lang.foreign.MemorySegment}, one class per protocol,
 * all field offsets as constants at the top, one length check in {@code wrap} after which no accessor
 * can fail; and value forms ({@code *Header}) or static {@code emit} methods for writing. Multi-byte
 * fields are big-endian (network order) through {@link io.flyover.stack.wire.Bytes}. Addresses: IPv4 as
 * an {@code int}, IPv6 as two {@code long}s (high, low), MAC as the low 48 bits of a {@code long}.
 */
package io.flyover.stack.wire;
