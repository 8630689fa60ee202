package io.perch.redis.config;

/** How a pool reaches Redis: one server, a Sentinel-managed master, or a Redis Cluster. */
public enum PoolType {
    SINGLE, SENTINEL, CLUSTER
}
