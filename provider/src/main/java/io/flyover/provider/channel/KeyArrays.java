package io.flyover.provider.channel;

/** Copy-on-write arrays of keys: channels iterate them on every stack event without allocating. */
final class KeyArrays {
    private KeyArrays() {}

    static FlyoverKey[] with(FlyoverKey[] keys, FlyoverKey key) {
        FlyoverKey[] grown = java.util.Arrays.copyOf(keys, keys.length + 1);
        grown[keys.length] = key;
        return grown;
    }

    static FlyoverKey[] without(FlyoverKey[] keys, FlyoverKey key) {
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] == key) {
                FlyoverKey[] shrunk = new FlyoverKey[keys.length - 1];
                System.arraycopy(keys, 0, shrunk, 0, i);
                System.arraycopy(keys, i + 1, shrunk, i, keys.length - i - 1);
                return shrunk;
            }
        }
        return keys;
    }
}
