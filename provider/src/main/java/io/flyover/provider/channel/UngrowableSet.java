package io.flyover.provider.channel;

import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Set;

/** A view that allows removal but not addition: the JDK's contract for {@code Selector.selectedKeys()}. */
final class UngrowableSet<E> extends AbstractSet<E> {
    private final Set<E> set;

    UngrowableSet(Set<E> set) {
        this.set = set;
    }

    @Override public int size() { return set.size(); }
    @Override public boolean isEmpty() { return set.isEmpty(); }
    @Override public boolean contains(Object o) { return set.contains(o); }
    @Override public boolean remove(Object o) { return set.remove(o); }
    @Override public void clear() { set.clear(); }
    @Override public Iterator<E> iterator() { return set.iterator(); }
    @Override public Object[] toArray() { return set.toArray(); }
    @Override public <T> T[] toArray(T[] a) { return set.toArray(a); }

    @Override
    public boolean add(E e) {
        throw new UnsupportedOperationException();
    }
}
