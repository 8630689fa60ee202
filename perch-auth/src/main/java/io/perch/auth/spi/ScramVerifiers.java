package io.perch.auth.spi;

import io.perch.auth.scram.ScramVerifier;

import java.util.concurrent.CompletionStage;

/** Where a source keeps SCRAM-SHA-256 verifiers: completes with the user's, or null when it has none. */
public interface ScramVerifiers {
    CompletionStage<ScramVerifier> verifier(String username);
}
