package io.perch.broker.cluster;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/** A lock that excludes nothing: the routes of a node alone never change under its routing. Stateless. */
final class NoLock implements Lock {
    static final NoLock INSTANCE = new NoLock();

    private NoLock() {
    }

    @Override
    public void lock() {
    }

    @Override
    public void lockInterruptibly() {
    }

    @Override
    public boolean tryLock() {
        return true;
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) {
        return true;
    }

    @Override
    public void unlock() {
    }

    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("no conditions on a lock that excludes nothing");
    }
}
