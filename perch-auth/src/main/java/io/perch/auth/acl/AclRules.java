package io.perch.auth.acl;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

import java.util.List;

/** The rules of one ACL file, read once; checks are pure and run on any thread. */
public interface AclRules {
    /**
     * One rule as the dashboard lists it: allow or deny, whom it speaks of, publish /
     * subscribe / pubsub, its topics, and its text close to the file's own line.
     */
    record Rule(String permission, String who, String action, List<String> topics, String text) {
    }

    /** A decision and the text of the rule that took it (null when no rule did). */
    record Match(AclCheckEvent.Decision decision, String rule) {
        public static final Match NONE = new Match(AclCheckEvent.Decision.IGNORE, null);
    }

    /** The decision and the deciding rule; IGNORE when no rule speaks of this client, access and topic. */
    Match match(ClientInfo client, AclCheckEvent.Action action, String topic);

    /** ALLOW, DENY, or IGNORE: {@link #match}'s decision. */
    default AclCheckEvent.Decision check(ClientInfo client, AclCheckEvent.Action action, String topic) {
        return match(client, action, topic).decision();
    }

    /** The rules in the order they are checked. */
    List<Rule> rules();

    /** How many rules the file holds (for the reload log line). */
    default int size() {
        return rules().size();
    }

    AclRules NONE = new AclRules() {
        @Override
        public Match match(ClientInfo client, AclCheckEvent.Action action, String topic) {
            return Match.NONE;
        }

        @Override
        public List<Rule> rules() {
            return List.of();
        }
    };
}
