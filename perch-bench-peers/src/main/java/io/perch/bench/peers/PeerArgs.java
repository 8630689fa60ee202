package io.perch.bench.peers;

import java.nio.file.Path;

/**
 * The launchers' command line: {@code --port N --ws-port N --data DIR [--persist]}. Ports are
 * picked free by the caller (bench/compare.sh); the data dir is the caller's temp dir.
 *
 * @param persist the broker's durable store on (file persistence), else memory only
 */
record PeerArgs(int port, int wsPort, Path data, boolean persist) {

    static PeerArgs parse(String... args) {
        int port = -1;
        int wsPort = -1;
        Path data = null;
        boolean persist = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--ws-port" -> wsPort = Integer.parseInt(args[++i]);
                case "--data" -> data = Path.of(args[++i]);
                case "--persist" -> persist = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: --port N --ws-port N --data DIR [--persist]");
            }
        }
        if (port <= 0 || wsPort <= 0 || data == null) {
            throw new IllegalArgumentException("usage: --port N --ws-port N --data DIR [--persist]");
        }
        return new PeerArgs(port, wsPort, data, persist);
    }
}
