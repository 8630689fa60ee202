package io.perch.redis.config;

/** One {@code host:port} of a pool's server list. IPv6 hosts are written in brackets: {@code [::1]:6379}. */
public record HostPort(String host, int port) {

    /** Parses {@code host:port}; throws IllegalArgumentException with a readable reason. */
    public static HostPort parse(String text) {
        String s = text.trim();
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty server address");
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close < 0 || close + 1 >= s.length() || s.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + s + "' is not [ipv6]:port");
            }
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + s + "' is not host:port");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + port + "' is not a number");
        }
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " is not in 1..65535");
        }
        return new HostPort(host, p);
    }

    @Override
    public String toString() {
        return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
    }
}
