package io.perch.broker.arch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's layers: the session, routing and core packages know nothing of the wire
 * (protocol, transport), so that the protocol depends on the core and never the other way
 * round. Read from the sources, so a fully qualified name counts as much as an import.
 */
class PackageDependencyTest {
    private static final Path SRC = Path.of("src/main/java/io/perch/broker");
    private static final List<String> BELOW_THE_WIRE = List.of(
            "core", "session", "route", "topic", "message", "hook", "retain", "stats", "config", "api", "plugin", "persist");

    @Test
    void enginePackagesDoNotReferToProtocolOrTransport() throws IOException {
        assertThat(SRC).isDirectory();
        List<String> offenders = new ArrayList<>();
        for (String pkg : BELOW_THE_WIRE) {
            try (Stream<Path> files = Files.list(SRC.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    if (text.contains("io.perch.broker.protocol.") || text.contains("io.perch.broker.transport.")) {
                        offenders.add(pkg + "/" + f.getFileName());
                    }
                }
            }
        }
        assertThat(offenders).as("engine classes that refer to the wire layer").isEmpty();
    }

    @Test
    void routingAndSessionsDoNotReferToTheCoreThatWiresThem() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String pkg : List.of("route", "session", "topic", "persist")) {
            try (Stream<Path> files = Files.list(SRC.resolve(pkg))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    if (Files.readString(f).contains("io.perch.broker.core.")) {
                        offenders.add(pkg + "/" + f.getFileName());
                    }
                }
            }
        }
        assertThat(offenders).as("classes below core that refer to it").isEmpty();
    }
}
