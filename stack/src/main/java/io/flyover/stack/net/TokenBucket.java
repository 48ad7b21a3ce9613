package io.flyover.stack.net;

/**
 * A token bucket on injected time, for ICMP error rate limiting (RFC 1812 section 4.3.2.8, RFC 4443
 * section 2.4(f)).
 */
public final class TokenBucket {
    private final long nanosPerToken;
    private final long burst;
    private long tokens;
    private long lastRefill;

    public TokenBucket(int perSecond, int burst) {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be positive");
        }
        this.nanosPerToken = 1_000_000_000L / perSecond;
        this.burst = burst;
        this.tokens = burst;
        this.lastRefill = Long.MIN_VALUE;
    }

    /** Takes a token if one is available at {@code now}. */
    public boolean tryTake(long now) {
        if (lastRefill == Long.MIN_VALUE) {
            lastRefill = now;
        } else if (now - lastRefill >= nanosPerToken) {
            long add = (now - lastRefill) / nanosPerToken;
            tokens = Math.min(burst, tokens + add);
            lastRefill += add * nanosPerToken;
        }
        if (tokens > 0) {
            tokens--;
            return true;
        }
        return false;
    }
}
