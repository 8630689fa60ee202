package io.perch.auth.spi;

import io.perch.broker.hook.event.ClientInfo;

import java.util.concurrent.CompletionStage;

/**
 * One source of the authentication chain ({@code auth.chain}): it recognises a client and
 * allows or denies it, or says "not mine" and the next source is asked. Called on a broker
 * event loop: a source that does I/O returns a stage that completes later and never blocks.
 */
public interface AuthSource extends AutoCloseable {
    /** The name {@code auth.chain} uses: {@code file}, {@code redis}, {@code jwt}. */
    String name();

    /** @param password the CONNECT password as sent, or null; never logged */
    CompletionStage<AuthOutcome> authenticate(ClientInfo client, byte[] password);

    /** Releases what the source holds (connections, file watches). */
    @Override
    default void close() {
    }
}
