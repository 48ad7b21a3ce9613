package io.flyover.provider.runtime;

import io.flyover.stack.RandomSource;
import java.security.SecureRandom;

/** The randomness production stacks get (ISN secrets, ephemeral ports, SYN-cookie keys): the platform's secure source. */
public final class SecureRandomSource implements RandomSource {
    private final SecureRandom random = new SecureRandom();

    @Override
    public long nextLong() {
        return random.nextLong();
    }
}
