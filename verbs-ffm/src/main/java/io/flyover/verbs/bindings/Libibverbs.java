package io.flyover.verbs.bindings;

import io.flyover.verbs.VerbsException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;

/**
 * Loads {@code libibverbs.so.1} once, with {@link SymbolLookup#libraryLookup(String, Arena)}; the system
 * property {@value #LIBRARY_PROPERTY} names another file (a path or a soname). A missing library is
 * one {@link VerbsException} saying so, remembered, never a crash.
 */
@SuppressWarnings("restricted") // FFM: raw pointers from native code
public final class Libibverbs {
    /** The soname rdma-core installs (Debian package libibverbs1). */
    public static final String DEFAULT_NAME = "libibverbs.so.1";
    public static final String LIBRARY_PROPERTY = "flyover.verbs.library";

    private static SymbolLookup lookup;
    private static VerbsException failure;

    private Libibverbs() {}

    /** The library's name as loaded (or as it would be). */
    public static String name() {
        return System.getProperty(LIBRARY_PROPERTY, DEFAULT_NAME);
    }

    /** The library's symbols; the first call loads it. */
    public static synchronized SymbolLookup load() throws VerbsException {
        if (lookup != null) {
            return lookup;
        }
        if (failure == null) {
            try {
                lookup = open(name());
                return lookup;
            } catch (VerbsException e) {
                failure = e;
            }
        }
        throw new VerbsException(failure.getMessage(), 0, failure);
    }

    /** Opens the named library, or says clearly that it is missing. */
    static SymbolLookup open(String name) throws VerbsException {
        try {
            return SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new VerbsException("cannot load " + name + " (install rdma-core's libibverbs1, "
                    + "Debian/Ubuntu: apt install libibverbs1 ibverbs-providers): " + e.getMessage(), 0, e);
        }
    }

    /** Whether the library loads here. */
    public static boolean isAvailable() {
        try {
            load();
            return true;
        } catch (VerbsException e) {
            return false;
        }
    }

    /** For the generated holders: the lookup, or an {@link UnsatisfiedLinkError} carrying the reason. */
    static SymbolLookup lookup() {
        try {
            return load();
        } catch (VerbsException e) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError(e.getMessage());
            error.initCause(e);
            throw error;
        }
    }
}
