package io.perch.dashboard;

import io.perch.broker.api.BrokerService;
import io.perch.broker.cluster.Cluster;
import io.perch.broker.cluster.NodeInfo;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;

/**
 * A cluster of this node and two others, n2 listed alive and n3 that stopped heartbeating a
 * minute ago; calls to them fail as on a single node ("not clustered"). For the API's and the
 * UI's cluster shapes without a second broker (the Redis parts are tested in perch-redis).
 */
public final class FixedCluster extends Cluster.Single {
    private final String self;
    private final long now = System.currentTimeMillis();

    private FixedCluster(String self) {
        this.self = self;
    }

    /** The running broker, except that it is one node of a fixed cluster. */
    public static BrokerService around(BrokerService real) {
        Cluster cluster = new FixedCluster(real.nodeName());
        return (BrokerService) Proxy.newProxyInstance(BrokerService.class.getClassLoader(),
                new Class<?>[] {BrokerService.class}, (proxy, method, args) -> {
                    if (method.getName().equals("cluster") && method.getParameterCount() == 0) {
                        return cluster;
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Override
    public boolean enabled() {
        return true;
    }

    @Override
    public String nodeName() {
        return self;
    }

    @Override
    public List<NodeInfo> nodes() {
        return List.of(new NodeInfo(self, true, now - 300, Map.of("version", "x")),
                new NodeInfo("n2", true, now - 800, Map.of("version", "1.2.3", "listeners", "mqtt:tcp:0.0.0.0:1883")),
                new NodeInfo("n3", false, now - 60_000, Map.of("version", "1.2.2")));
    }
}
