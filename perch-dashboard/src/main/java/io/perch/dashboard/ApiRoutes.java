package io.perch.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.perch.broker.api.BrokerService;
import io.perch.dashboard.alarm.AlarmBook;
import io.perch.dashboard.api.AlarmsApi;
import io.perch.dashboard.api.AclApi;
import io.perch.dashboard.api.AuthUsersApi;
import io.perch.dashboard.api.BackendsApi;
import io.perch.dashboard.api.ClientsApi;
import io.perch.dashboard.api.ClusterApi;
import io.perch.dashboard.api.ClusterMqttApi;
import io.perch.dashboard.api.ClusterNodeApi;
import io.perch.dashboard.api.NodeCalls;
import io.perch.dashboard.api.HealthApi;
import io.perch.dashboard.api.LogApi;
import io.perch.dashboard.api.RecentLog;
import io.perch.dashboard.api.MqttApi;
import io.perch.dashboard.api.MetricsHistory;
import io.perch.dashboard.api.NodeApi;
import io.perch.dashboard.api.StatsHighWater;
import io.perch.dashboard.api.TopicsApi;
import io.perch.dashboard.http.ApiException;
import io.perch.dashboard.http.Auth;
import io.perch.dashboard.http.HttpHandler;
import io.perch.dashboard.http.LoginThrottle;
import io.perch.dashboard.http.Request;
import io.perch.dashboard.http.Json;
import io.perch.dashboard.http.Response;
import io.perch.dashboard.http.Router;
import io.perch.dashboard.http.StaticFiles;
import io.perch.dashboard.metrics.PrometheusApi;

import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.netty.handler.codec.http.HttpMethod.DELETE;
import static io.netty.handler.codec.http.HttpMethod.GET;
import static io.netty.handler.codec.http.HttpMethod.POST;
import static io.netty.handler.codec.http.HttpMethod.PUT;

/** The whole URL map of the dashboard in one screen. */
final class ApiRoutes {
    private static final Logger log = LoggerFactory.getLogger(ApiRoutes.class);
    private ApiRoutes() {
    }

    /**
     * @param clusterWork where answers from other nodes are merged (the dashboard's own thread,
     *                    never an event loop); used only when the broker is clustered
     */
    static Router build(DashboardConfig cfg, BrokerService broker, MeterRegistry registry, Auth auth,
                        LoginThrottle throttle, Json json, StatsHighWater highWater, MetricsHistory history,
                        Executor clusterWork, RecentLog recentLog, AlarmBook alarmBook) {
        NodeApi node = new NodeApi(broker, json, auth.admin(), highWater);
        ClientsApi clients = new ClientsApi(broker, json);
        MqttApi mqtt = new MqttApi(broker, json);
        NodeCalls calls = new NodeCalls(broker, json, clusterWork);
        ClusterApi cluster = new ClusterApi(broker, clients, json, calls);
        ClusterNodeApi clusterNodes = new ClusterNodeApi(broker, node, json, calls);
        ClusterMqttApi clusterMqtt = new ClusterMqttApi(broker, mqtt, json, calls);
        AlarmsApi alarms = new AlarmsApi(broker, alarmBook, json, calls);
        boolean clustered = broker.cluster().enabled();
        if (clustered) {
            alarms.serve();
            cluster.serve();
            clusterNodes.serve();
            clusterMqtt.serve();
        }
        TopicsApi topics = new TopicsApi(broker, json);
        BackendsApi backends = new BackendsApi(broker, registry, json);
        PrometheusApi prometheus = new PrometheusApi(registry);
        HealthApi health = new HealthApi(broker, json);
        LogApi logs = new LogApi(json, recentLog);
        StaticFiles ui = new StaticFiles("dashboard");
        StaticFiles openapi = new StaticFiles("dashboard-api");
        String v4 = "/api/v4";

        Router r = new Router();
        r.addPublic(POST, v4 + "/auth", req -> login(req, auth, throttle, json));
        // Health answers without credentials, like EMQ X's /status: load balancers and probes hold none.
        r.addPublic(GET, "/status", health::status);
        r.addPublic(GET, v4 + "/health/liveness", health::liveness);
        r.addPublic(GET, v4 + "/health/readiness", health::readiness);
        r.add(GET, v4 + "/log/level", logs::get);
        r.add(PUT, v4 + "/log/level", logs::set);
        r.add(GET, v4 + "/log/recent", logs::recent);
        if (clustered) {
            // Every node's, as EMQ X 4's API answers in a cluster.
            r.addAsync(GET, v4 + "/alarms", alarms::listEveryNode);
            r.addAsync(DELETE, v4 + "/alarms/deactivated", alarms::clearEveryNode);
        } else {
            r.add(GET, v4 + "/alarms", alarms::list);
            r.add(DELETE, v4 + "/alarms/deactivated", alarms::clearHistory);
        }
        r.add(PUT, v4 + "/change_pwd/{username}", req -> changePassword(req, auth, throttle, json));
        r.add(GET, v4 + "/status", node::status);
        r.add(GET, v4 + "/nodes", node::nodes);
        r.add(GET, v4 + "/metrics/history", history::history);
        r.addAsync(GET, v4 + "/nodes/{node}/stats", clusterNodes::nodeStats);
        r.addAsync(GET, v4 + "/nodes/{node}/metrics", clusterNodes::nodeMetrics);
        r.addAsync(GET, v4 + "/nodes/{node}/listeners", clusterNodes::nodeListeners);
        if (clustered) {
            // Every node's, as EMQ X 4's API answers in a cluster.
            r.addAsync(GET, v4 + "/brokers", clusterNodes::brokers);
            r.addAsync(GET, v4 + "/brokers/{node}", clusterNodes::broker);
            r.addAsync(GET, v4 + "/stats", clusterNodes::stats);
            r.addAsync(GET, v4 + "/metrics", clusterNodes::metrics);
            r.addAsync(GET, v4 + "/listeners", clusterNodes::listeners);
        } else {
            r.add(GET, v4 + "/brokers", node::brokers);
            r.add(GET, v4 + "/brokers/{node}", node::broker);
            r.add(GET, v4 + "/stats", node::stats);
            r.add(GET, v4 + "/metrics", node::metrics);
            r.add(GET, v4 + "/listeners", node::listeners);
        }
        if (clustered) {
            // Every node's, as EMQ X 4's API answers in a cluster.
            r.addAsync(GET, v4 + "/clients", cluster::clients);
            r.addAsync(GET, v4 + "/clients/{clientid}", cluster::client);
            r.addAsync(DELETE, v4 + "/clients/{clientid}", cluster::kick);
            r.addAsync(GET, v4 + "/subscriptions", cluster::subscriptions);
            r.addAsync(GET, v4 + "/subscriptions/{clientid}", cluster::subscriptionsOfClient);
        } else {
            r.add(GET, v4 + "/clients", clients::list);
            r.add(GET, v4 + "/clients/{clientid}", clients::get);
            r.add(DELETE, v4 + "/clients/{clientid}", clients::kick);
            r.add(GET, v4 + "/subscriptions", clients::subscriptions);
            r.add(GET, v4 + "/subscriptions/{clientid}", clients::subscriptionsOfClient);
        }
        r.addAsync(GET, v4 + "/nodes/{node}/clients", cluster::nodeClients);
        r.addAsync(GET, v4 + "/nodes/{node}/clients/{clientid}", cluster::nodeClient);
        r.addAsync(GET, v4 + "/nodes/{node}/subscriptions", cluster::nodeSubscriptions);
        r.addAsync(GET, v4 + "/nodes/{node}/subscriptions/{clientid}", cluster::nodeSubscriptionsOfClient);
        r.add(GET, v4 + "/routes", topics::routes);
        r.add(GET, v4 + "/routes/{topic*}", topics::route);
        r.add(GET, v4 + "/mqtt/retained", topics::retainedList);
        r.add(GET, v4 + "/mqtt/retained/{topic*}", topics::retainedGet);
        r.add(DELETE, v4 + "/mqtt/retained/{topic*}", topics::retainedDelete);
        r.add(POST, v4 + "/mqtt/publish", mqtt::publish);
        r.add(POST, v4 + "/mqtt/publish_batch", mqtt::publishBatch);
        if (clustered) {
            // Wherever the client is connected, as EMQ X 4's do.
            r.addAsync(POST, v4 + "/mqtt/subscribe", clusterMqtt::subscribe);
            r.addAsync(POST, v4 + "/mqtt/unsubscribe", clusterMqtt::unsubscribe);
            r.addAsync(POST, v4 + "/mqtt/subscribe_batch", clusterMqtt::subscribeBatch);
            r.addAsync(POST, v4 + "/mqtt/unsubscribe_batch", clusterMqtt::unsubscribeBatch);
        } else {
            r.add(POST, v4 + "/mqtt/subscribe", mqtt::subscribe);
            r.add(POST, v4 + "/mqtt/unsubscribe", mqtt::unsubscribe);
            r.add(POST, v4 + "/mqtt/subscribe_batch", mqtt::subscribeBatch);
            r.add(POST, v4 + "/mqtt/unsubscribe_batch", mqtt::unsubscribeBatch);
        }
        r.add(GET, v4 + "/backends", backends::list);
        r.add(GET, v4 + "/prometheus", prometheus::scrape);
        // MQTT users of the password file and ACL rules (the auth plugin's, through PluginServices).
        AuthUsersApi authUsers = new AuthUsersApi(broker, json);
        AclApi acl = new AclApi(broker, json);
        r.add(GET, v4 + "/auth/sources", authUsers::sources);
        r.add(GET, v4 + "/auth/users", authUsers::list);
        r.add(POST, v4 + "/auth/users", authUsers::add);
        r.add(PUT, v4 + "/auth/users/{username}", authUsers::change);
        r.add(DELETE, v4 + "/auth/users/{username}", authUsers::delete);
        r.add(GET, v4 + "/acl/rules", acl::rules);
        r.addAsync(POST, v4 + "/acl/check", acl::check);
        // The API description is public, like the UI's files: it holds no data.
        r.addPublic(GET, v4 + "/openapi.json", req -> openapi.serve(req.withParam("file", "openapi.json")));
        if (cfg.metricsAuth()) {
            r.add(GET, "/metrics", prometheus::scrape);
        } else {
            r.addPublic(GET, "/metrics", prometheus::scrape);
        }
        r.addPublic(GET, "/", ui::serve);
        r.addPublic(GET, "/{file*}", ui::serve);
        return r;
    }

    private static Response login(Request req, Auth auth, LoginThrottle throttle, Json json) {
        OptionalLong wait = throttle.blocked(req.remoteIp());
        if (wait.isPresent()) {
            return HttpHandler.tooManyLogins(json, wait.getAsLong());
        }
        JsonNode body = req.body().length == 0 ? null : json.body(req);
        if (body == null || !body.hasNonNull("username") || !body.hasNonNull("password")) {
            throw new ApiException(400, 104, "username and password are required");
        }
        if (!auth.check(body.get("username").asText(), body.get("password").asText())) {
            throw failed(req, throttle, new ApiException(401, ApiException.BAD_CREDENTIALS, "username or password error"));
        }
        throttle.success(req.remoteIp());
        return json.ok(Map.of("token", auth.issueToken()));
    }

    /**
     * EMQ X 4's {@code PUT /api/v4/change_pwd/{username}} with {@code {"old_pwd","new_pwd"}}. A
     * wrong old password counts as a failed login (a stolen token must not become a guessing
     * oracle); success revokes every token.
     */
    private static Response changePassword(Request req, Auth auth, LoginThrottle throttle, Json json) {
        OptionalLong wait = throttle.blocked(req.remoteIp());
        if (wait.isPresent()) {
            return HttpHandler.tooManyLogins(json, wait.getAsLong());
        }
        JsonNode body = json.body(req);
        for (String f : new String[]{"old_pwd", "new_pwd"}) {
            if (!body.path(f).isTextual()) {
                throw ApiException.missing(f);
            }
        }
        try {
            auth.changePassword(req.param("username"), body.get("old_pwd").asText(), body.get("new_pwd").asText());
        } catch (ApiException e) {
            throw e.code() == ApiException.BAD_CREDENTIALS ? failed(req, throttle, e) : e;
        }
        log.info("dashboard: the password of '{}' was changed from {} and stored in {}; every token was revoked",
                req.param("username"), req.remoteIp(), auth.admin().source());
        return json.ok(null);
    }

    private static ApiException failed(Request req, LoginThrottle throttle, ApiException e) {
        throttle.failure(req.remoteIp());
        return e;
    }
}
