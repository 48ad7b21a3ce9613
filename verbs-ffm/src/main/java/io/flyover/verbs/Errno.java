package io.flyover.verbs;

/** Names and hints for the errno values verbs calls report, for messages people can act on. */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;

    private Errno() {}

    static String name(int errno) {
        return switch (errno) {
            case EPERM -> "EPERM, operation not permitted: RAW_PACKET queue pairs need CAP_NET_RAW";
            case ENOENT -> "ENOENT";
            case ENOMEM -> "ENOMEM: memory registration needs RLIMIT_MEMLOCK (ulimit -l) at least the pool size";
            case EACCES -> "EACCES, permission denied: check /dev/infiniband/uverbs* permissions";
            case EFAULT -> "EFAULT, bad address";
            case ENODEV -> "ENODEV, no such device";
            case EINVAL -> "EINVAL, invalid argument";
            case ENOSYS -> "ENOSYS, the kernel has no RDMA (ib_uverbs) support";
            case EOPNOTSUPP -> "EOPNOTSUPP, not supported by this device or provider";
            default -> "errno " + errno;
        };
    }
}
