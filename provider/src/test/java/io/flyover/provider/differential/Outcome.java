package io.flyover.provider.differential;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Objects;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.function.ThrowingSupplier;

/**
 * What one operation did: returned a value, or threw an exception of an exact class. Two providers agree on an
 * operation when their outcomes are equal; a disagreement prints both, e.g.
 * {@code flyover-loopback: read after close: expected <threw ClosedChannelException> but was <returned -1>}.
 */
public record Outcome(Object value, Class<? extends Throwable> thrown) {
    /** The token a {@code void} operation returns when it completes. */
    public static final String DONE = "done";

    public static Outcome returned(Object value) {
        return new Outcome(value, null);
    }

    public static Outcome threw(Class<? extends Throwable> type) {
        return new Outcome(null, Objects.requireNonNull(type));
    }

    public static Outcome done() {
        return returned(DONE);
    }

    /** Runs {@code operation} and records its value or the exact class of what it threw. */
    public static Outcome of(ThrowingSupplier<?> operation) {
        try {
            return returned(operation.get());
        } catch (Throwable t) {
            return threw(t.getClass());
        }
    }

    /** Runs a {@code void} operation: {@link #done()} or the exact class of what it threw. */
    public static Outcome ofRun(Executable operation) {
        try {
            operation.execute();
            return done();
        } catch (Throwable t) {
            return threw(t.getClass());
        }
    }

    /** Asserts {@code actual} is {@code expected}, naming the arm and the operation when it is not. */
    public static void expect(Object arm, String operation, Outcome expected, Outcome actual) {
        assertEquals(expected, actual, arm + ": " + operation);
    }

    /** Asserts {@code operation} on {@code arm} threw exactly {@code type}. */
    public static void expectThrows(Object arm, String operation, Class<? extends Throwable> type, Executable run) {
        expect(arm, operation, threw(type), ofRun(run));
    }

    @Override
    public String toString() {
        return thrown != null ? "threw " + thrown.getName() : "returned " + value;
    }
}
