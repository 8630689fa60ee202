package io.perch.redis.embedded;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which redis-server the embedded Redis runs: PATH's when it is 7 or later, else the bundled 6.2. */
class RedisBinaryTest {
    @TempDir
    Path tmp;

    @Test
    void aRedis7OnPathIsPreferred() throws Exception {
        Optional<Path> system = RedisBinary.onPath(System.getenv("PATH"));
        Assumptions.assumeTrue(system.isPresent(), "no redis-server on PATH");
        String version = RedisBinary.version(system.get());
        Assumptions.assumeTrue(version != null && RedisBinary.parse(version)[0] >= 7, "PATH has Redis " + version);

        RedisBinary.Choice c = RedisBinary.choose(system.get().getParent().toString(), tmp.resolve("bin"));
        assertThat(c.binary()).isEqualTo(system.get());
        assertThat(c.version()).isEqualTo(version);
        assertThat(c.reason()).contains("newer than the bundled");
        assertThat(tmp.resolve("bin")).doesNotExist();
    }

    @Test
    void withoutRedisOnPathTheBundledOneIsUsed() throws Exception {
        Assumptions.assumeTrue(RedisBinary.bundledResource().isPresent(), "no bundled binary for this platform");
        Path empty = Files.createDirectories(tmp.resolve("empty-path"));

        RedisBinary.Choice c = RedisBinary.choose(empty.toString(), tmp.resolve("bin"));
        assertThat(c.binary().getParent()).isEqualTo(tmp.resolve("bin"));
        assertThat(c.version()).startsWith("6.2");
        assertThat(c.reason()).contains("no redis-server on PATH");
        assertThat(RedisBinary.version(c.binary())).startsWith("6.2");
    }

    @Test
    void anOlderRedisOnPathLosesToTheBundledOne() throws Exception {
        Assumptions.assumeTrue(RedisBinary.bundledResource().isPresent(), "no bundled binary for this platform");
        Path fake = Files.createDirectories(tmp.resolve("old"));
        Path script = fake.resolve("redis-server");
        Files.writeString(script, "#!/bin/sh\necho 'Redis server v=6.0.16 sha=00000000:0 malloc=jemalloc-5.2.1 bits=64'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));

        RedisBinary.Choice c = RedisBinary.choose(fake.toString(), tmp.resolve("bin"));
        assertThat(c.binary()).isNotEqualTo(script);
        assertThat(c.reason()).contains("is 6.0.16, older than 7");
    }
}
