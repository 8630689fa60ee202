package io.perch.dashboard.http;

/**
 * An error answered as EMQ X 4 does: {@code {"code":<n>,"message":"..."}} with an HTTP status.
 * The codes are EMQ X 4's (102 unknown, 103 bad credentials, 107 missing parameter, 108 bad
 * parameter type, 109 body not JSON, 112 client not online, 115 invalid topic) so scripts
 * written against EMQ X keep working; anything else that does not exist (an unknown path, a
 * topic without a retained message) is {@code {"code":404,...}} with HTTP 404, as EMQ X 4
 * answers an unknown path, not 112, which says "client not online".
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public static final int UNKNOWN = 102;
    public static final int BAD_CREDENTIALS = 103;
    public static final int MISSING_PARAM = 107;
    public static final int BAD_PARAM = 108;
    public static final int NOT_JSON = 109;
    public static final int CLIENT_NOT_ONLINE = 112;
    public static final int NOT_FOUND = 404;
    public static final int BAD_TOPIC = 115;

    private final int status;
    private final int code;

    public ApiException(int status, int code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public static ApiException badParam(String message) {
        return new ApiException(400, BAD_PARAM, message);
    }

    public static ApiException missing(String name) {
        return new ApiException(400, MISSING_PARAM, "missing parameter: " + name);
    }

    /** Not found: an unknown path or resource (code 404). */
    public static ApiException notFound(String message) {
        return new ApiException(404, NOT_FOUND, message);
    }

    /** The client named in the path is not connected or not known (EMQ X's 112). */
    public static ApiException clientNotOnline(String message) {
        return new ApiException(404, CLIENT_NOT_ONLINE, message);
    }

    public int status() {
        return status;
    }

    public int code() {
        return code;
    }
}
