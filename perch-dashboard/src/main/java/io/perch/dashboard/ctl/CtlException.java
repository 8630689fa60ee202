package io.perch.dashboard.ctl;

/** A failed API call or an unreachable broker: printed as one line, exit code 1. */
final class CtlException extends RuntimeException {
    CtlException(String message) {
        super(message);
    }
}
