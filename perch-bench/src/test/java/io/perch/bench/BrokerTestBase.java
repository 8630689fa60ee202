package io.perch.bench;

import io.perch.bench.client.ClientSettings;
import io.perch.bench.run.BenchRun;
import io.perch.bench.run.RunSpec;
import io.perch.bench.stats.BenchResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** One Mosquitto per test class; skipped (not failed) where Debian's mosquitto is not installed. */
abstract class BrokerTestBase {
    @TempDir
    static Path dir;

    static Mosquitto broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Optional<Path> bin = Mosquitto.binary();
        assumeTrue(bin.isPresent(), "mosquitto is not installed (apt-get install mosquitto)");
        broker = Mosquitto.start(bin.get(), dir, null);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
    }

    static ClientSettings tcp() {
        return ClientSettings.plain("127.0.0.1", broker.port());
    }

    /** Short runs: connection pacing off, a short drain, no progress output. */
    static RunSpec.Builder spec(String mode) {
        return RunSpec.builder(mode).connectIntervalNanos(0).drainMillis(2000).threads(2);
    }

    static BenchResult run(ClientSettings settings, RunSpec spec) throws InterruptedException {
        return new BenchRun(settings, spec, null).run();
    }
}
