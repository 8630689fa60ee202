package io.perch.broker.protocol;

import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectPayload;
import io.netty.handler.codec.mqtt.MqttConnectVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttProperties.MqttPropertyType;
import io.netty.handler.codec.mqtt.MqttReasonCodeAndPropertiesVariableHeader;
import io.perch.broker.config.BrokerConfig;
import io.perch.broker.core.SessionManager;
import io.perch.broker.core.Wills;
import io.perch.broker.hook.HookPoints;
import io.perch.broker.hook.event.AuthenticateEvent;
import io.perch.broker.hook.event.ClientInfo;
import io.perch.broker.hook.event.ConnackEvent;
import io.perch.broker.hook.event.ClientEvent;
import io.perch.broker.hook.event.ConnectEvent;
import io.perch.broker.message.Message;
import io.perch.broker.protocol.MqttConnection.State;
import io.perch.broker.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.security.auth.x500.X500Principal;
import java.net.InetSocketAddress;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * CONNECT to CONNACK: validation (MQTT 3.1.1 section 3.1, MQTT 5 section 3.1), authentication
 * through hooks (plain or MQTT 5 enhanced with AUTH round trips), session open or takeover,
 * CONNACK with the server's limits as properties; and at the other end, DISCONNECT and close
 * (will messages, session expiry).
 */
final class ConnectFlow {
    private static final Logger log = LoggerFactory.getLogger(ConnectFlow.class);

    private final MqttConnection c;
    private final BrokerConfig config;
    private boolean cleanStart;
    private long expiry;
    private boolean expiryChanged;
    private boolean assignedId;
    /** The Server Keep Alive to announce in CONNACK (v5), or -1 to keep the client's. */
    private int serverKeepAlive = -1;
    private String authMethod;
    private EnhancedAuth enhanced;

    ConnectFlow(MqttConnection c) {
        this.c = c;
        this.config = c.core.config;
    }

    void onConnect(MqttConnectMessage cm) {
        c.state = State.CONNECTING;
        MqttConnectVariableHeader vh = cm.variableHeader();
        MqttConnectPayload pl = cm.payload();
        int version = vh.version();
        c.helper = version == 5 ? Mqtt5Helper.INSTANCE : Mqtt3Helper.INSTANCE;
        MqttProperties props = vh.properties();

        // Will QoS 3, or Will QoS / Will Retain without the Will Flag: malformed (MQTT-3.1.2-11..15 in 3.1.1,
        // MQTT-3.1.2-11..13 in MQTT 5). Netty's decoder does not check these connect flags.
        if (vh.willQos() == 3 || (!vh.isWillFlag() && (vh.willQos() != 0 || vh.isWillRetain()))) {
            malformedConnect("invalid will flags");
            return;
        }
        String clientId = pl.clientIdentifier();
        if (clientId.indexOf('\uFFFD') >= 0 || clientId.indexOf('\u0000') >= 0 || clientId.length() > config.maxClientIdLen) {
            refuse(ReasonCodes.CLIENT_ID_NOT_VALID, null);
            return;
        }
        cleanStart = vh.isCleanSession();
        if (clientId.isEmpty()) {
            if (version < 5 && !cleanStart) {
                refuse(ReasonCodes.CLIENT_ID_NOT_VALID, null); // MQTT-3.1.3-8
                return;
            }
            clientId = "perch-" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
            assignedId = true;
        }
        String username = vh.hasUserName() ? pl.userName() : null;
        X500Principal certSubject = PeerCerts.subject(c.ctx.channel());
        if (c.peerCertAsUsername != null || c.peerCertAsClientId != null) {
            // The listener verified the client's certificate: it names the client, whatever CONNECT says.
            String fromCertUser = c.peerCertAsUsername == null ? null : PeerCerts.identity(certSubject, c.peerCertAsUsername);
            String fromCertId = c.peerCertAsClientId == null ? null : PeerCerts.identity(certSubject, c.peerCertAsClientId);
            if ((c.peerCertAsUsername != null && fromCertUser == null) || (c.peerCertAsClientId != null && fromCertId == null)) {
                log.info("refusing a client on {}: no verified client certificate with a subject {} to name it by",
                        c.listener, c.peerCertAsUsername != null ? c.peerCertAsUsername : c.peerCertAsClientId);
                refuse(ReasonCodes.NOT_AUTHORIZED, null);
                return;
            }
            if (fromCertUser != null) {
                username = fromCertUser;
            }
            if (fromCertId != null) {
                if (fromCertId.length() > config.maxClientIdLen) {
                    refuse(ReasonCodes.CLIENT_ID_NOT_VALID, null);
                    return;
                }
                clientId = fromCertId;
            }
        }
        if (vh.hasPassword() && !vh.hasUserName() && version == 4) {
            c.protocolError("password without user name"); // MQTT-3.1.2-22
            return;
        }
        Integer receiveMax = Props.integer(props, MqttPropertyType.RECEIVE_MAXIMUM);
        Integer maxPacket = Props.integer(props, MqttPropertyType.MAXIMUM_PACKET_SIZE);
        if ((receiveMax != null && receiveMax == 0) || (maxPacket != null && maxPacket == 0)) {
            refuse(ReasonCodes.PROTOCOL_ERROR, "zero receive maximum or maximum packet size");
            return;
        }
        c.clientReceiveMax = receiveMax == null ? 65535 : receiveMax;
        c.clientMaxPacketSize = maxPacket == null ? 0 : maxPacket;
        Integer aliasMax = Props.integer(props, MqttPropertyType.TOPIC_ALIAS_MAXIMUM);
        c.aliases.outboundMax(aliasMax == null ? 0 : aliasMax);

        long cap = config.sessionExpiryInterval.toSeconds();
        if (version == 5) {
            Integer e = Props.integer(props, MqttPropertyType.SESSION_EXPIRY_INTERVAL);
            long requested = e == null ? 0 : Integer.toUnsignedLong(e);
            expiry = Math.min(requested, cap);
            expiryChanged = expiry != requested;
        } else {
            expiry = cleanStart ? 0 : cap;
        }

        if (vh.isWillFlag() && !readWill(vh, pl, clientId, username)) {
            return;
        }

        int keepAlive = keepAlive(vh.keepAliveTimeSeconds(), version == 5);
        InetSocketAddress peer = c.ctx.channel().remoteAddress() instanceof InetSocketAddress a ? a : null;
        c.client = new ClientInfo(clientId, username,
                peer == null ? null : peer.getAddress().getHostAddress(), peer == null ? 0 : peer.getPort(), version,
                cleanStart, keepAlive, System.currentTimeMillis(), config.nodeName, c.listener,
                PeerCerts.identity(certSubject, io.perch.broker.config.ListenerConfig.CN),
                PeerCerts.identity(certSubject, io.perch.broker.config.ListenerConfig.DN));
        c.core.hooks.fire(HookPoints.CLIENT_CONNECT, new ConnectEvent(c.client));

        authMethod = Props.string(props, MqttPropertyType.AUTHENTICATION_METHOD);
        if (authMethod != null) {
            enhanced = new EnhancedAuth(c, this, authMethod);
            enhanced.step(Props.binary(props, MqttPropertyType.AUTHENTICATION_DATA), true);
            return;
        }
        byte[] password = vh.hasPassword() ? pl.passwordInBytes() : null;
        c.core.hooks.run(HookPoints.CLIENT_AUTHENTICATE,
                        new AuthenticateEvent(c.client, password, AuthenticateEvent.Decision.IGNORE, false))
                .whenCompleteAsync((ev, err) -> authenticated(ev, err), c.ctx.executor());
    }

    private boolean readWill(MqttConnectVariableHeader vh, MqttConnectPayload pl, String clientId, String username) {
        String topic = pl.willTopic();
        if (topic == null || !Topics.isValidName(topic, config.maxTopicLevels) || topic.indexOf('\uFFFD') >= 0) {
            refuse(ReasonCodes.TOPIC_NAME_INVALID, "invalid will topic");
            return false;
        }
        if (vh.willQos() > config.maxQosAllowed) {
            refuse(ReasonCodes.QOS_NOT_SUPPORTED, null);
            return false;
        }
        if (vh.isWillRetain() && !config.retainAvailable) {
            refuse(ReasonCodes.RETAIN_NOT_SUPPORTED, null);
            return false;
        }
        MqttProperties wp = pl.willProperties() == null ? MqttProperties.NO_PROPERTIES : pl.willProperties();
        Integer delay = Props.integer(wp, MqttPropertyType.WILL_DELAY_INTERVAL);
        Integer exp = Props.integer(wp, MqttPropertyType.PUBLICATION_EXPIRY_INTERVAL);
        byte[] payload = pl.willMessageInBytes() == null ? new byte[0] : pl.willMessageInBytes();
        // The id and time are set when the will is published; expiry is kept relative until then.
        Message m = new Message(null, topic, payload, vh.willQos(), vh.isWillRetain(), clientId, username, 0,
                exp == null ? 0 : Integer.toUnsignedLong(exp), Props.publishProperties(wp));
        c.will = new WillMessage(m, delay == null ? 0 : Integer.toUnsignedLong(delay));
        return true;
    }

    // ---- authentication -----------------------------------------------------------------

    private void authenticated(AuthenticateEvent ev, Throwable err) {
        if (c.state != State.CONNECTING) {
            return; // closed meanwhile
        }
        if (err != null) {
            log.warn("client {}: authentication failed with an error: {}", c.client.clientId(), err.toString());
            refuse(ReasonCodes.SERVER_UNAVAILABLE, null);
            return;
        }
        switch (ev.decision()) {
            case ALLOW -> accept(ev.superuser(), null);
            case IGNORE -> {
                if (config.allowAnonymous) {
                    accept(false, null);
                } else {
                    refuse(ReasonCodes.NOT_AUTHORIZED, null);
                }
            }
            case DENY_BAD_CREDENTIALS -> refuse(ReasonCodes.BAD_USERNAME_OR_PASSWORD, null);
            case DENY_NOT_AUTHORIZED -> refuse(ReasonCodes.NOT_AUTHORIZED, null);
        }
    }

    /** AUTH during the CONNECT exchange. */
    void onAuth(MqttMessage m) {
        enhanced.onAuth(m);
    }

    /** AUTH after CONNACK: re-authentication. */
    void onReauth(MqttMessage m) {
        if (enhanced == null) {
            c.protocolError("AUTH without the connect's authentication method"); // MQTT-4.12.1-1
            return;
        }
        enhanced.onReauth(m);
    }

    // ---- accept / refuse ----------------------------------------------------------------

    void refuse(int reason, String why) {
        refuse(reason, why, true);
    }

    /** @param logged false for a refusal whose limit logs when it starts and ends refusing, not per client */
    private void refuse(int reason, String why, boolean logged) {
        c.core.stats.connectRefused.increment();
        if (reason == ReasonCodes.BAD_USERNAME_OR_PASSWORD || reason == ReasonCodes.NOT_AUTHORIZED) {
            c.core.stats.authFailures.increment();
        }
        if (c.client != null) {
            c.core.hooks.fire(HookPoints.CLIENT_CONNACK, new ConnackEvent(c.client, reason));
        }
        String line = "refused connection from {} (client {}): reason 0x{}{}";
        Object[] args = {c.ctx.channel().remoteAddress(), c.client == null ? "?" : c.client.clientId(),
                Integer.toHexString(reason), why == null ? "" : " " + why};
        if (reason == ReasonCodes.PROTOCOL_ERROR) {
            c.core.stats.protocolErrors.increment();
        }
        if (!logged) {
            log.debug(line, args);
        } else if (reason == ReasonCodes.PROTOCOL_ERROR || reason == ReasonCodes.MALFORMED_PACKET) {
            c.logOffence(line, args); // what fuzzers and broken clients send: once per host, not per connection
        } else {
            log.info(line, args);
        }
        c.closeReason = "refused";
        c.state = State.CLOSED;
        MqttProperties p = null;
        if (why != null && c.helper.isV5()) {
            p = new MqttProperties();
            Props.addString(p, MqttPropertyType.REASON_STRING, why);
        }
        c.writeAndClose(c.helper.connack(reason, false, p));
    }

    /** A CONNECT that breaks a MUST of section 3.1: v5 may answer 0x81; 3.1.1 closes without CONNACK (MQTT-3.1.4-1). */
    private void malformedConnect(String why) {
        c.core.stats.malformedPackets.increment();
        if (c.helper.isV5()) {
            refuse(ReasonCodes.MALFORMED_PACKET, why);
            return;
        }
        c.core.stats.connectRefused.increment();
        c.logOffence("refused connection from {}: malformed CONNECT: {}", c.ctx.channel().remoteAddress(), why);
        c.closeReason = "malformed_packet";
        c.state = State.CLOSED;
        c.ctx.close();
    }

    void accept(boolean superuser, byte[] authResponse) {
        c.superuser = superuser;
        if (c.core.cluster.enabled() && !c.core.sessions.heldHere(c.client.clientId())) {
            takeOver(1, null, authResponse);
            return;
        }
        open(false, authResponse);
    }

    /** How many claims a CONNECT makes: the first finds the owner, then one per node it asks. */
    private static final int CLAIM_ATTEMPTS = 4;

    /**
     * Cluster: makes this node the client id's owner before the session opens. The first claim
     * expects no owner (or this node), and when it loses it names the owner: that node is asked
     * to let the client go (it closes the client's connection there and finishes its writes),
     * and the claim is made again against it (from then on the store refuses that node's writes
     * for it); the session then loads from the store. Two nodes racing for one client id: one
     * claim wins; the other CONNECT asks the new owner.
     *
     * @param expected the owner this claim takes over from, or null (none, or this node)
     */
    private void takeOver(int attempt, String expected, byte[] authResponse) {
        io.perch.broker.cluster.Cluster cluster = c.core.cluster;
        String id = c.client.clientId();
        cluster.claim(id, expected).whenCompleteAsync((claim, err) -> {
            if (c.state != State.CONNECTING) {
                if (err == null && claim.won() && takeoverPrepared) {
                    // This node owns the session now: it stays here, stored and routed to, until its client comes.
                    takeoverPrepared = false;
                    c.core.sessions.keepTakenOver(id);
                } else {
                    abandonTakeover(); // the client went meanwhile: its session stays where the store has it
                }
                return;
            }
            if (err != null) {
                abandonTakeover();
                log.warn("client {}: cannot claim it in the cluster: {}", id, err.toString());
                refuse(ReasonCodes.SERVER_UNAVAILABLE, "cluster store unavailable");
            } else if (claim.won()) {
                open(expected != null && !expected.equals(cluster.nodeName()), authResponse);
            } else if (attempt < CLAIM_ATTEMPTS) {
                askOwner(cluster, attempt, claim.owner(), authResponse);
            } else {
                abandonTakeover();
                refuse(ReasonCodes.SERVER_BUSY, "client id claimed by another node meanwhile");
            }
        }, c.ctx.executor());
    }

    /**
     * Another node owns the client: it is asked to let it go, then claimed from. A dead owner is
     * waited for until reaped; the claim against it then loses, naming the reaping node (which
     * has what the dead one had not delivered), and that one is asked next.
     */
    private void askOwner(io.perch.broker.cluster.Cluster cluster, int attempt, String owner, byte[] authResponse) {
        String id = c.client.clientId();
        cluster.reapedIfDead(owner).thenCompose(gone -> gone ? java.util.concurrent.CompletableFuture.<Void>completedFuture(null)
                : prepareTakeover(cluster).thenCompose(v -> cluster.requestRelease(owner, id)))
                .whenCompleteAsync((v, err) -> {
                    if (err != null && c.state == State.CONNECTING) {
                        abandonTakeover();
                        log.warn("client {}: cannot take it over from node {}: {}", id, owner, err.toString());
                        refuse(ReasonCodes.SERVER_UNAVAILABLE, "cluster store unavailable");
                    } else if (err == null) {
                        takeOver(attempt + 1, owner, authResponse);
                    } else {
                        abandonTakeover();
                    }
                }, c.ctx.executor());
    }

    /** This CONNECT routes to its client's stored subscriptions here while the session moves (cluster). */
    private boolean takeoverPrepared;

    /**
     * Before the old node lets a kept session go: its stored subscriptions are routed to here
     * and what comes is kept, and every node has heard of those routes, so a message published
     * while the session moves reaches it on one node or the other (the load keeps one copy).
     */
    private java.util.concurrent.CompletionStage<Void> prepareTakeover(io.perch.broker.cluster.Cluster cluster) {
        if (cleanStart || takeoverPrepared) {
            return java.util.concurrent.CompletableFuture.completedFuture(null); // a clean start keeps nothing
        }
        return c.core.sessions.persistence().load(c.client.clientId()).thenCompose(stored -> {
            if (stored.isPresent() && c.core.sessions.prepareTakeover(stored.get())) {
                takeoverPrepared = true;
                return cluster.routesSeen();
            }
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        });
    }

    private void abandonTakeover() {
        if (takeoverPrepared) {
            takeoverPrepared = false;
            c.core.sessions.abandonTakeover(c.client.clientId());
        }
    }

    /** @param fromOtherNode the session (if any) was another node's: the store has it, memory does not */
    private void open(boolean fromOtherNode, byte[] authResponse) {
        SessionManager sessions = c.core.sessions;
        if (sessions.beginLoad(c.client.clientId(), cleanStart, fromOtherNode)) {
            // A session the store keeps and this process does not hold (after a restart): load it
            // without blocking the event loop; CONNECT waits, later packets are held meanwhile.
            sessions.persistence().load(c.client.clientId()).whenCompleteAsync((stored, err) -> {
                if (c.state != State.CONNECTING) {
                    sessions.loadFailed(c.client.clientId()); // closed meanwhile: the session stays stored
                    return;
                }
                if (err != null) {
                    sessions.loadFailed(c.client.clientId());
                    log.warn("client {}: its stored session could not be loaded: {}", c.client.clientId(), err.toString());
                    refuse(ReasonCodes.SERVER_UNAVAILABLE, "session store unavailable");
                    return;
                }
                opened(sessions.openStored(c.client, expiry, () -> { }, stored.orElse(null)), authResponse);
            }, c.ctx.executor());
            return;
        }
        opened(sessions.open(c.client, cleanStart, expiry, () -> { }), authResponse);
    }

    private void opened(SessionManager.Opened opened, byte[] authResponse) {
        if (opened == SessionManager.Opened.CLAIMED_ELSEWHERE) {
            // A CONNECT with the same client id reached another node just after this one: it wins.
            refuse(ReasonCodes.SERVER_BUSY, "client id taken over by another node");
            return;
        }
        if (opened.refused()) {
            // A new persistent session past mqtt.max_stored_sessions: v5 0x97, v3 3 (server
            // unavailable). KeptSessions logs when refusing starts and ends, not per client.
            refuse(ReasonCodes.QUOTA_EXCEEDED, "too many stored sessions", false);
            return;
        }
        connected(opened, authResponse);
    }

    private void connected(SessionManager.Opened opened, byte[] authResponse) {
        MqttMessage connack = c.helper.connack(ReasonCodes.SUCCESS, opened.present(), connackProperties(authResponse));
        boolean bound = c.core.sessions.attach(opened.session(), c, c.client, () -> {
            c.session = opened.session();
            c.state = State.CONNECTED;
            c.send(connack); // before what the session resends on attach
        });
        if (!bound) {
            // Let go between open and here: another node took the client over, or a later CONNECT
            // took the session. The connection that took it is the client's now.
            refuse(ReasonCodes.SERVER_BUSY, "client id taken over meanwhile");
            return;
        }
        c.core.hooks.fire(HookPoints.CLIENT_CONNACK, new ConnackEvent(c.client, ReasonCodes.SUCCESS));
        int ka = c.client.keepAlive();
        c.startTimers(ka > 0 ? (long) (ka * 1000L * config.keepaliveBackoff * 2) : 0);
        c.session.will(c, c.will == null ? null : c.will.message(), c.will == null ? 0 : c.will.delaySeconds());
        c.core.hooks.fire(HookPoints.CLIENT_CONNECTED, new ClientEvent(c.client, opened.present()));
        log.info("client {} connected from {}:{} over {} (MQTT {}, clean={}, keepalive={}, session present={})",
                c.client.clientId(), c.client.peerHost(), c.client.peerPort(), c.listener,
                c.client.protocolVersion() == 5 ? "5" : c.client.protocolVersion() == 4 ? "3.1.1" : "3.1",
                cleanStart, ka, opened.present());
        c.processEarlyPackets();
    }

    private MqttProperties connackProperties(byte[] authResponse) {
        if (!c.helper.isV5()) {
            return null;
        }
        MqttProperties p = new MqttProperties();
        if (assignedId) {
            Props.addString(p, MqttPropertyType.ASSIGNED_CLIENT_IDENTIFIER, c.client.clientId());
        }
        if (expiryChanged) {
            Props.addInt(p, MqttPropertyType.SESSION_EXPIRY_INTERVAL, (int) expiry);
        }
        if (config.maxAwaitingRel > 0 && config.maxAwaitingRel < 65535) {
            Props.addInt(p, MqttPropertyType.RECEIVE_MAXIMUM, config.maxAwaitingRel);
        }
        Props.addInt(p, MqttPropertyType.MAXIMUM_PACKET_SIZE, config.maxPacketSize);
        Props.addInt(p, MqttPropertyType.TOPIC_ALIAS_MAXIMUM, config.maxTopicAlias);
        if (config.maxQosAllowed < 2) {
            Props.addInt(p, MqttPropertyType.MAXIMUM_QOS, config.maxQosAllowed);
        }
        if (!config.retainAvailable) {
            Props.addInt(p, MqttPropertyType.RETAIN_AVAILABLE, 0);
        }
        if (!config.wildcardSubscription) {
            Props.addInt(p, MqttPropertyType.WILDCARD_SUBSCRIPTION_AVAILABLE, 0);
        }
        if (!config.sharedSubscription) {
            Props.addInt(p, MqttPropertyType.SHARED_SUBSCRIPTION_AVAILABLE, 0);
        }
        if (serverKeepAlive >= 0) {
            Props.addInt(p, MqttPropertyType.SERVER_KEEP_ALIVE, serverKeepAlive);
        }
        if (authMethod != null) {
            Props.addString(p, MqttPropertyType.AUTHENTICATION_METHOD, authMethod);
            if (authResponse != null) {
                p.add(new MqttProperties.BinaryProperty(MqttPropertyType.AUTHENTICATION_DATA.value(), authResponse));
            }
        }
        return p;
    }

    /**
     * The keep alive the broker holds the client to: {@code server_keepalive} for v5 when set,
     * then capped at {@code max_keepalive}, where 0 (no keep alive) counts as longer than any cap.
     * A v5 client is told through Server Keep Alive (MQTT-3.2.2-21); a v3 client cannot be
     * told, and is held to the cap all the same, as EMQ X does (Mosquitto refuses it instead).
     */
    private int keepAlive(int requested, boolean v5) {
        int k = v5 && config.serverKeepalive > 0 ? config.serverKeepalive : requested;
        if (config.maxKeepalive > 0 && (k == 0 || k > config.maxKeepalive)) {
            k = config.maxKeepalive;
        }
        if (v5 && k != requested) {
            serverKeepAlive = k;
        }
        return k;
    }

    // ---- the end ------------------------------------------------------------------------

    void onDisconnect(MqttMessage m) {
        int reason = MqttConnection.disconnectReason(m);
        if (c.helper.isV5() && m.variableHeader() instanceof MqttReasonCodeAndPropertiesVariableHeader vh) {
            Integer e = Props.integer(vh.properties(), MqttPropertyType.SESSION_EXPIRY_INTERVAL);
            if (e != null) {
                if (expiry == 0 && e != 0) {
                    c.protocolError("session expiry set on DISCONNECT after 0 at CONNECT"); // MQTT-3.14.2-2
                    return;
                }
                c.session.expiryIntervalSeconds(Math.min(Integer.toUnsignedLong(e), config.sessionExpiryInterval.toSeconds()));
            }
        }
        // MQTT-3.1.2-10 / 3.14.4-3: a normal DISCONNECT deletes the will; 0x04 asks for it.
        c.sendWill = reason == ReasonCodes.DISCONNECT_WITH_WILL;
        c.closeReason = "normal";
        c.ctx.flush(); // answers already written (CONNACK, acks) go out before the close
        c.ctx.close();
    }

    /** The channel closed after a successful CONNECT. */
    void onClosed() {
        var session = c.session;
        // Also taken over when the new connection won the race with this one's own close.
        boolean takenOver = "takenover".equals(c.closeReason) || session.connection() != c;
        if (c.will != null && c.sendWill) {
            scheduleWill(takenOver);
        } else if (c.will != null) {
            session.will(c, null, 0); // discarded by a normal DISCONNECT (MQTT-3.1.2-10)
        }
        if (!takenOver && c.core.sessions.store().get(session.clientId()) == session) {
            c.core.sessions.connectionClosed(session, c);
        } else if (!takenOver) {
            session.detach(c, false);
        }
    }

    private void scheduleWill(boolean takenOver) {
        WillMessage w = c.will;
        long delay = w.delaySeconds();
        // Ended already (taken over with clean start, kicked): the will goes now, whatever its delay.
        boolean sessionEnded = c.core.sessions.store().get(c.session.clientId()) != c.session;
        if (delay > 0 && takenOver && !sessionEnded) {
            return; // a new connection resumed this session before the delay ran out (MQTT-3.1.3-9)
        }
        ClientInfo publisher = c.client;
        var core = c.core;
        var session = c.session;
        Runnable publish = () -> {
            core.publisher.publish(publisher, Wills.publishable(w.message(), core.ids));
            session.will(c, null, 0); // sent: the store lets it go
        };
        if (delay == 0 || sessionEnded) {
            publish.run();
            return;
        }
        var task = core.workers.schedule(() -> {
            Runnable r = session.takePendingWill();
            if (r != null) {
                r.run();
            }
        }, delay, TimeUnit.SECONDS);
        session.pendingWill(c, publish, task);
    }
}
