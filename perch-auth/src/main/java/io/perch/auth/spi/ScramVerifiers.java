package io.perch.auth.spi;

import io.perch.auth.scram.ScramVerifier;

import java.util.concurrent.CompletionStage;

/**
 * Where a source keeps SCRAM-SHA-256 verifiers: completes with the user's, or null when it has
 * none. {@code client} is the connecting client (for a Redis command's {@code %c}); its
 * username may be absent, {@code username} is the SCRAM user.
 */
public interface ScramVerifiers {
    CompletionStage<ScramVerifier> verifier(io.perch.broker.hook.event.ClientInfo client, String username);
}
