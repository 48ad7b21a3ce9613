package io.flyover.stack.net;

import io.flyover.stack.wire.IgmpMessage;

/** The IGMP/MLD numbers the interface uses (shared by both: record types are the same in RFC 3376 and RFC 3810). */
final class IgmpConstants {
    static final int ALL_HOSTS = IgmpMessage.ALL_HOSTS;
    static final int ALL_IGMPV3_ROUTERS = IgmpMessage.ALL_IGMPV3_ROUTERS;
    static final int MODE_IS_EXCLUDE = IgmpMessage.MODE_IS_EXCLUDE;
    static final int CHANGE_TO_INCLUDE = IgmpMessage.CHANGE_TO_INCLUDE;
    static final int CHANGE_TO_EXCLUDE = IgmpMessage.CHANGE_TO_EXCLUDE;

    private IgmpConstants() {}
}
