package io.perch.auth.acl;

import io.perch.broker.hook.event.AclCheckEvent;
import io.perch.broker.hook.event.ClientInfo;

/** The rules of one ACL file, read once; checks are pure and run on any thread. */
public interface AclRules {
    /** ALLOW, DENY, or IGNORE when no rule speaks of this client, access and topic. */
    AclCheckEvent.Decision check(ClientInfo client, AclCheckEvent.Action action, String topic);

    /** How many rules the file holds (for the reload log line). */
    int size();

    AclRules NONE = new AclRules() {
        @Override
        public AclCheckEvent.Decision check(ClientInfo client, AclCheckEvent.Action action, String topic) {
            return AclCheckEvent.Decision.IGNORE;
        }

        @Override
        public int size() {
            return 0;
        }
    };
}
