package io.flyover.provider.channel;

import java.nio.channels.SelectionKey;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A selector's selected-key set without a node per key: the keys sit in an array and each knows its
 * slot ({@link FlyoverKey#selectedIndex}), so adding, finding and removing one allocate nothing (the
 * JDK's {@code HashSet} allocates a node on every add, once per ready key per select). Removal moves the
 * last key into the freed slot; the iterator revisits that slot after {@link Iterator#remove}, so the
 * usual "next, remove, handle" loop sees every key once. Not thread-safe, as the JDK's set is not.
 */
final class SelectedKeySet extends AbstractSet<SelectionKey> {
    private FlyoverKey[] keys = new FlyoverKey[16];
    private int size;

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean add(SelectionKey key) {
        FlyoverKey k = (FlyoverKey) key;
        if (contains(k)) {
            return false; // the slot is checked, not only the index: a set cleared elsewhere leaves no stale "selected"
        }
        if (size == keys.length) {
            keys = Arrays.copyOf(keys, size * 2); // grows with the ready keys, then stays
        }
        keys[size] = k;
        k.selectedIndex = size++;
        return true;
    }

    @Override
    public boolean contains(Object o) {
        return o instanceof FlyoverKey k && k.selectedIndex >= 0 && k.selectedIndex < size && keys[k.selectedIndex] == k;
    }

    @Override
    public boolean remove(Object o) {
        if (!contains(o)) {
            return false;
        }
        removeAt(((FlyoverKey) o).selectedIndex);
        return true;
    }

    private void removeAt(int index) {
        FlyoverKey gone = keys[index];
        int last = --size;
        if (index != last) {
            keys[index] = keys[last];
            keys[index].selectedIndex = index;
        }
        keys[last] = null;
        gone.selectedIndex = -1;
    }

    @Override
    public void clear() {
        for (int i = 0; i < size; i++) {
            keys[i].selectedIndex = -1;
            keys[i] = null;
        }
        size = 0;
    }

    @Override
    public Iterator<SelectionKey> iterator() {
        return new Iterator<>() {
            private int next;
            private int current = -1;

            @Override
            public boolean hasNext() {
                return next < size;
            }

            @Override
            public SelectionKey next() {
                if (next >= size) {
                    throw new NoSuchElementException();
                }
                current = next++;
                return keys[current];
            }

            @Override
            public void remove() {
                if (current < 0) {
                    throw new IllegalStateException();
                }
                removeAt(current);
                next = current; // the last key moved into this slot: visit it next
                current = -1;
            }
        };
    }
}
