package io.flyover.stack.net;

/**
 * The device would not steer a port to the stack (an ibverbs provider without flow steering, a full
 * rule table): the bind, listen or connect that needed it fails, since its traffic would never arrive.
 */
public final class SteeringRefusedException extends IllegalStateException {
    public SteeringRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
