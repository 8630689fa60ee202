package io.perch.dashboard.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.perch.auth.AuthAdmin;
import io.perch.auth.file.PasswordFileUsers;
import io.perch.broker.api.BrokerService;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /auth/sources} and the password file's users ({@code /auth/users}): what the auth
 * plugin's {@link AuthAdmin} shows, found in the broker's plugin services on each request (the
 * auth plugin may start after the dashboard, or not at all). Edits go through
 * {@link PasswordFileUsers}, the calls {@code bin/perch passwd} makes, and the running broker's
 * reload picks them up. A password is never logged or echoed. Stateless; an edit hashes and
 * writes a small file on the calling thread (a millisecond or so, admin-only).
 */
public final class AuthUsersApi {
    private static final Logger log = LoggerFactory.getLogger(AuthUsersApi.class);
    /** 409: the request conflicts with what the server holds (an existing user, no password file). */
    public static final int CONFLICT = 409;

    private final BrokerService broker;
    private final Json json;

    public AuthUsersApi(BrokerService broker, Json json) {
        this.broker = broker;
        this.json = json;
    }

    private Optional<AuthAdmin> admin() {
        return broker.services().find(AuthAdmin.class);
    }

    /** The chain in order, each source's state, and the broker's access and cache settings. */
    public Response sources(Request req) {
        Map<String, Object> out = new LinkedHashMap<>();
        var access = broker.access();
        out.put("allow_anonymous", access.allowAnonymous());
        out.put("acl_nomatch", access.aclNomatchAllow() ? "allow" : "deny");
        out.put("acl_deny_action", access.aclDenyDisconnect() ? "disconnect" : "ignore");
        Optional<AuthAdmin> a = admin();
        out.put("enabled", a.isPresent());
        out.put("sources", a.map(x -> x.sources().stream().map(AuthUsersApi::source).toList()).orElse(List.of()));
        if (a.isPresent()) {
            AuthAdmin.Cache c = a.get().cache();
            Map<String, Object> cache = new LinkedHashMap<>();
            cache.put("enable_acl_cache", c.enabled());
            cache.put("acl_cache_max_size", c.maxSize());
            cache.put("acl_cache_ttl_ms", c.ttl().toMillis());
            out.put("cache", cache);
        }
        return json.ok(out);
    }

    private static Map<String, Object> source(AuthAdmin.Source s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", s.name());
        m.put("configured", s.configured());
        m.put("authentication", s.authentication());
        m.put("acl", s.acl());
        m.putAll(s.details());
        return m;
    }

    public Response list(Request req) {
        String like = req.query("_like_username");
        List<Map<String, Object>> all;
        try {
            all = users().list().stream()
                    .filter(u -> like == null || like.isEmpty() || u.username().contains(like))
                    .map(AuthUsersApi::user).toList();
        } catch (IOException e) {
            throw new ApiException(500, ApiException.UNKNOWN, "cannot read the password file: " + e.getMessage());
        }
        return json.page(req, all);
    }

    private static Map<String, Object> user(PasswordFileUsers.User u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("username", u.username());
        m.put("hash", u.hashKind());
        m.put("superuser", u.superuser());
        return m;
    }

    public Response add(Request req) {
        JsonNode body = json.body(req);
        String user = text(body, "username");
        String password = text(body, "password");
        PasswordFileUsers users = users();
        edit(() -> users.add(user, password));
        log.info("dashboard: MQTT user '{}' added to {} from {}", user, users.path(), req.remoteIp());
        return json.ok(Map.of("username", user));
    }

    public Response change(Request req) {
        String user = req.param("username");
        String password = text(json.body(req), "password");
        PasswordFileUsers users = users();
        edit(() -> users.change(user, password));
        log.info("dashboard: the password of MQTT user '{}' in {} was changed from {}", user, users.path(), req.remoteIp());
        return json.ok(null);
    }

    public Response delete(Request req) {
        String user = req.param("username");
        PasswordFileUsers users = users();
        edit(() -> users.delete(user));
        log.info("dashboard: MQTT user '{}' deleted from {} from {}", user, users.path(), req.remoteIp());
        return json.ok(null);
    }

    private PasswordFileUsers users() {
        return admin().flatMap(AuthAdmin::passwordFile).orElseThrow(() -> new ApiException(CONFLICT,
                ApiException.BAD_PARAM, "no password file is configured: set auth.file.password_file"));
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body == null ? null : body.get(field);
        if (n == null || !n.isTextual()) {
            throw ApiException.missing(field);
        }
        return n.asText();
    }

    private interface Edit {
        void run() throws IOException;
    }

    private static void edit(Edit e) {
        try {
            e.run();
        } catch (PasswordFileUsers.UserExists x) {
            throw new ApiException(CONFLICT, ApiException.BAD_PARAM, x.getMessage());
        } catch (PasswordFileUsers.NoSuchUser x) {
            throw ApiException.notFound(x.getMessage());
        } catch (IllegalArgumentException x) {
            throw ApiException.badParam(x.getMessage());
        } catch (IOException x) {
            throw new ApiException(500, ApiException.UNKNOWN, "cannot write the password file: " + x.getMessage());
        }
    }
}
