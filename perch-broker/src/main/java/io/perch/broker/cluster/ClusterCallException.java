package io.perch.broker.cluster;

/**
 * A {@link Cluster#call} that got no reply: {@code answered} false when the node did not answer
 * (dead, unreachable, the request or reply lost, or the timeout passed), true when it answered
 * that its handler failed ({@code getMessage()} then says why, as that node put it).
 */
public final class ClusterCallException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String node;
    private final boolean answered;

    public ClusterCallException(String node, boolean answered, String message) {
        super(message, null, false, false);
        this.node = node;
        this.answered = answered;
    }

    public String node() {
        return node;
    }

    public boolean answered() {
        return answered;
    }
}
