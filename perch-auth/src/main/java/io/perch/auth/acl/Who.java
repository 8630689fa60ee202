package io.perch.auth.acl;

import io.perch.broker.hook.event.ClientInfo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Whom an ACL rule speaks of. Immutable; matching is pure. */
sealed interface Who permits Who.All, Who.User, Who.Client, Who.Anonymous, Who.Ip, Who.And, Who.Or {
    boolean matches(ClientInfo c);

    /** As EMQ X's acl.conf writes it, e.g. {@code {user, "alice"}}. */
    String text();

    private static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static String joined(List<Who> parts) {
        return String.join(", ", parts.stream().map(Who::text).toList());
    }

    record All() implements Who {
        @Override
        public boolean matches(ClientInfo c) {
            return true;
        }

        @Override
        public String text() {
            return "all";
        }
    }

    record User(String name) implements Who {
        @Override
        public boolean matches(ClientInfo c) {
            return name.equals(c.username());
        }

        @Override
        public String text() {
            return "{user, " + quoted(name) + "}";
        }
    }

    record Client(String id) implements Who {
        @Override
        public boolean matches(ClientInfo c) {
            return id.equals(c.clientId());
        }

        @Override
        public String text() {
            return "{client, " + quoted(id) + "}";
        }
    }

    /** A client that gave no username (Mosquitto's topic lines before the first user line). */
    record Anonymous() implements Who {
        @Override
        public boolean matches(ClientInfo c) {
            return c.username() == null || c.username().isEmpty();
        }

        @Override
        public String text() {
            return "anonymous";
        }
    }

    /** An address or a CIDR range ({@code 192.168.0.0/16}, IPv4 or IPv6). */
    record Ip(byte[] network, int prefix, String cidr) implements Who {
        static Ip parse(String cidr) {
            int slash = cidr.indexOf('/');
            String host = slash < 0 ? cidr : cidr.substring(0, slash);
            if (!host.matches("[0-9a-fA-F:.]+")) {
                throw new IllegalArgumentException("not an IP address or CIDR range: " + cidr);
            }
            byte[] addr;
            try {
                addr = InetAddress.getByName(host).getAddress(); // a literal: no lookup
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address or CIDR range: " + cidr);
            }
            int prefix = addr.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(cidr.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > addr.length * 8) {
                    throw new IllegalArgumentException("bad prefix length in " + cidr);
                }
            }
            return new Ip(addr, prefix, cidr);
        }

        @Override
        public String text() {
            return "{ipaddr, " + quoted(cidr) + "}";
        }

        @Override
        public boolean matches(ClientInfo c) {
            if (c.peerHost() == null) {
                return false;
            }
            byte[] a;
            try {
                String h = c.peerHost();
                if (!h.matches("[0-9a-fA-F:.%a-zA-Z]+") || h.indexOf(':') < 0 && !h.matches("[0-9.]+")) {
                    return false;
                }
                a = InetAddress.getByName(h).getAddress();
            } catch (UnknownHostException e) {
                return false;
            }
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = 0xff << (8 - rest) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }

    record And(List<Who> all) implements Who {
        @Override
        public boolean matches(ClientInfo c) {
            return all.stream().allMatch(w -> w.matches(c));
        }

        @Override
        public String text() {
            return "{'and', [" + joined(all) + "]}";
        }
    }

    record Or(List<Who> any) implements Who {
        @Override
        public boolean matches(ClientInfo c) {
            return any.stream().anyMatch(w -> w.matches(c));
        }

        @Override
        public String text() {
            return "{'or', [" + joined(any) + "]}";
        }
    }
}
