/*
 * A fake rdma-core provider for tests: builds a struct verbs_context (with the struct ibv_context at its
 * end, as libibverbs does for every modern provider), queue pairs and completion queues whose ops
 * function pointers record every work request the Java side posts and return canned completions.
 * It models an RQ/SQ: received packets land in the oldest posted receive buffer, sends complete in
 * order, and a signalled send completes (when auto-complete is on) with its wr_id.
 * Compiled by the tests with gcc against the real <infiniband/verbs.h>.
 *
 * Completion events, as the kernel gives them: a completion channel is a pipe whose read end is the
 * channel's fd; req_notify_cq arms a CQ that has a channel, and the next completion queued on an armed CQ
 * disarms it and writes one event (the CQ's address) into the pipe, which ibv_get_cq_event reads (failing
 * with EAGAIN once the caller made the fd non-blocking and nothing is there). The data-path entry points
 * take one lock, since the tests deliver packets from a thread other than the one that polls.
 */
#define _GNU_SOURCE /* pipe2, the recursive mutex initializer */
#include <infiniband/verbs.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 8192
#define MAX_SGE 4
#define DATA_BYTES 64
#define RQ_DEPTH 8192
#define CQ_DEPTH 8192
#define MAX_FLOWS 256

struct rec {
    uint64_t wr_id, self, next;
    uint64_t num_sge, opcode, send_flags, chain_pos, call;
    uint64_t sge_addr[MAX_SGE], sge_length[MAX_SGE], sge_lkey[MAX_SGE];
    uint8_t data[DATA_BYTES];     /* first bytes of sge[0] as seen at post time */
};

struct fake_cq {
    struct ibv_cq cq;
    struct ibv_wc q[CQ_DEPTH];
    int head, tail;
    int notify_calls, last_solicited_only;
    int armed, events_raised, events_got, events_acked;
};

/* A completion channel: the pipe's read end is ch.fd. */
struct fake_channel {
    struct ibv_comp_channel ch;
    int write_fd;
};

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

struct fake_qp {
    struct ibv_qp qp;
    uint64_t rq_wr_id[RQ_DEPTH], rq_addr[RQ_DEPTH];
    uint32_t rq_len[RQ_DEPTH];
    int rq_head, rq_tail;
};

static struct rec sends[MAX_RECORDS], recvs[MAX_RECORDS];
static int send_count, recv_count, send_calls, recv_calls, poll_calls;
static int auto_complete, fail_send_at = -1, fail_send_errno;
static int flow_support = 1, port_state = IBV_PORT_ACTIVE;
static uint8_t *flow_attrs[MAX_FLOWS];
static int flow_sizes[MAX_FLOWS], flow_destroyed[MAX_FLOWS], flow_count;
static struct ibv_flow *flow_handles[MAX_FLOWS];

void fake_reset(void) {
    send_count = recv_count = send_calls = recv_calls = poll_calls = 0;
    auto_complete = 0;
    fail_send_at = -1;
    flow_support = 1;
    port_state = IBV_PORT_ACTIVE;
    for (int i = 0; i < flow_count; i++) {
        free(flow_attrs[i]);
        flow_attrs[i] = NULL;
    }
    flow_count = 0;
}

void fake_set_auto_complete(int on) { auto_complete = on; }
void fake_fail_send_at(int chain_pos, int err) { fail_send_at = chain_pos; fail_send_errno = err; }
void fake_set_flow_support(int on) { flow_support = on; }
void fake_set_port_state(int state) { port_state = state; }

static void logcall(const char *name);

static void push_wc(struct fake_cq *cq, uint64_t wr_id, int status, int opcode, uint32_t byte_len,
                    uint32_t wc_flags, uint32_t qp_num) {
    pthread_mutex_lock(&lock);
    struct ibv_wc *wc = &cq->q[cq->tail % CQ_DEPTH];
    memset(wc, 0, sizeof(*wc));
    wc->wr_id = wr_id;
    wc->status = status;
    wc->opcode = opcode;
    wc->byte_len = byte_len;
    wc->wc_flags = wc_flags;
    wc->qp_num = qp_num;
    cq->tail++;
    if (cq->armed && cq->cq.channel != NULL) { /* one event per arming, as a CQ's notification works */
        cq->armed = 0;
        cq->events_raised++;
        struct fake_channel *c = (struct fake_channel *) cq->cq.channel;
        struct ibv_cq *self = &cq->cq;
        if (write(c->write_fd, &self, sizeof(self)) != sizeof(self)) {
            abort();
        }
        logcall("event");
    }
    pthread_mutex_unlock(&lock);
}

void fake_push_wc(struct ibv_cq *cq, uint64_t wr_id, int status, int opcode, uint32_t byte_len, uint32_t wc_flags,
                  uint32_t qp_num) {
    push_wc((struct fake_cq *) cq, wr_id, status, opcode, byte_len, wc_flags, qp_num);
}

static void record(struct rec *r, uint64_t wr_id, const void *self, const void *next, int num_sge,
                   const struct ibv_sge *sg, int opcode, unsigned flags, int pos, int call) {
    memset(r, 0, sizeof(*r));
    r->wr_id = wr_id;
    r->self = (uintptr_t) self;
    r->next = (uintptr_t) next;
    r->num_sge = num_sge;
    r->opcode = opcode;
    r->send_flags = flags;
    r->chain_pos = pos;
    r->call = call;
    for (int i = 0; i < num_sge && i < MAX_SGE; i++) {
        r->sge_addr[i] = sg[i].addr;
        r->sge_length[i] = sg[i].length;
        r->sge_lkey[i] = sg[i].lkey;
    }
    if (num_sge > 0 && sg[0].addr != 0) {
        uint32_t n = sg[0].length < DATA_BYTES ? sg[0].length : DATA_BYTES;
        memcpy(r->data, (const void *) (uintptr_t) sg[0].addr, n);
    }
}

static int fake_post_send(struct ibv_qp *qp, struct ibv_send_wr *wr, struct ibv_send_wr **bad_wr) {
    int pos = 0;
    pthread_mutex_lock(&lock);
    send_calls++;
    for (; wr != NULL; wr = wr->next, pos++) {
        if (pos == fail_send_at) {
            fail_send_at = -1;
            *bad_wr = wr;
            pthread_mutex_unlock(&lock);
            return fail_send_errno;
        }
        if (send_count < MAX_RECORDS) {
            record(&sends[send_count++], wr->wr_id, wr, wr->next, wr->num_sge, wr->sg_list, wr->opcode,
                   wr->send_flags, pos, send_calls);
        }
        if (auto_complete && (wr->send_flags & IBV_SEND_SIGNALED)) {
            push_wc((struct fake_cq *) qp->send_cq, wr->wr_id, IBV_WC_SUCCESS, IBV_WC_SEND, 0, 0, qp->qp_num);
        }
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

static int fake_post_recv(struct ibv_qp *qp, struct ibv_recv_wr *wr, struct ibv_recv_wr **bad_wr) {
    struct fake_qp *f = (struct fake_qp *) qp;
    int pos = 0;
    pthread_mutex_lock(&lock);
    recv_calls++;
    for (; wr != NULL; wr = wr->next, pos++) {
        if (f->rq_tail - f->rq_head == RQ_DEPTH) {
            *bad_wr = wr;
            pthread_mutex_unlock(&lock);
            return ENOMEM;
        }
        if (recv_count < MAX_RECORDS) {
            /* data not meaningful for receive buffers: record() copies it anyway, harmlessly */
            record(&recvs[recv_count++], wr->wr_id, wr, wr->next, wr->num_sge, wr->sg_list, 0, 0, pos, recv_calls);
        }
        int slot = f->rq_tail++ % RQ_DEPTH;
        f->rq_wr_id[slot] = wr->wr_id;
        f->rq_addr[slot] = wr->num_sge > 0 ? wr->sg_list[0].addr : 0;
        f->rq_len[slot] = wr->num_sge > 0 ? wr->sg_list[0].length : 0;
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

static int fake_poll_cq(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc) {
    struct fake_cq *f = (struct fake_cq *) cq;
    int n = 0;
    pthread_mutex_lock(&lock);
    poll_calls++;
    while (n < num_entries && f->head != f->tail) {
        wc[n++] = f->q[f->head++ % CQ_DEPTH];
    }
    pthread_mutex_unlock(&lock);
    return n;
}

static int fake_req_notify_cq(struct ibv_cq *cq, int solicited_only) {
    struct fake_cq *f = (struct fake_cq *) cq;
    pthread_mutex_lock(&lock);
    f->notify_calls++;
    f->last_solicited_only = solicited_only;
    f->armed = 1;
    if (cq->channel != NULL) {
        logcall("req_notify_cq");
    }
    pthread_mutex_unlock(&lock);
    return 0;
}

static struct ibv_flow *fake_create_flow(struct ibv_qp *qp, struct ibv_flow_attr *attr) {
    if (flow_count == MAX_FLOWS) {
        errno = ENOMEM;
        return NULL;
    }
    struct ibv_flow *flow = calloc(1, sizeof(*flow));
    flow->context = qp->context;
    flow->handle = flow_count;
    flow_attrs[flow_count] = malloc(attr->size);
    memcpy(flow_attrs[flow_count], attr, attr->size);
    flow_sizes[flow_count] = attr->size;
    flow_destroyed[flow_count] = 0;
    flow_handles[flow_count] = flow;
    flow_count++;
    return flow;
}

static int fake_destroy_flow(struct ibv_flow *flow) {
    flow_destroyed[flow->handle] = 1;
    flow_handles[flow->handle] = NULL;
    free(flow);
    return 0;
}

static int fake_query_port(struct ibv_context *context, uint8_t port_num, struct ibv_port_attr *attr, size_t len) {
    if (port_num != 1 || len != sizeof(*attr)) {
        return EINVAL;
    }
    memset(attr, 0, len);
    attr->state = port_state;
    attr->active_mtu = IBV_MTU_1024;
    attr->link_layer = IBV_LINK_LAYER_ETHERNET;
    attr->gid_tbl_len = 16;
    return 0;
}

struct ibv_context *fake_open(void) {
    struct verbs_context *v = calloc(1, sizeof(*v));
    v->sz = sizeof(*v);
    v->query_port = fake_query_port;
    if (flow_support) {
        v->ibv_create_flow = fake_create_flow;
        v->ibv_destroy_flow = fake_destroy_flow;
    }
    v->context.abi_compat = __VERBS_ABI_IS_EXTENDED;
    v->context.ops.post_send = fake_post_send;
    v->context.ops.post_recv = fake_post_recv;
    v->context.ops.poll_cq = fake_poll_cq;
    v->context.ops.req_notify_cq = fake_req_notify_cq;
    v->context.num_comp_vectors = 1;
    return &v->context;
}

void fake_close(struct ibv_context *context) {
    free(verbs_get_ctx(context));
}

struct ibv_cq *fake_create_cq(struct ibv_context *context, int cqe) {
    struct fake_cq *f = calloc(1, sizeof(*f));
    f->cq.context = context;
    f->cq.cqe = cqe;
    return &f->cq;
}

void fake_destroy_cq(struct ibv_cq *cq) { free(cq); }

struct ibv_qp *fake_create_qp(struct ibv_context *context, struct ibv_cq *send_cq, struct ibv_cq *recv_cq, uint32_t qp_num) {
    struct fake_qp *f = calloc(1, sizeof(*f));
    f->qp.context = context;
    f->qp.send_cq = send_cq;
    f->qp.recv_cq = recv_cq;
    f->qp.qp_num = qp_num;
    f->qp.qp_type = IBV_QPT_RAW_PACKET;
    f->qp.state = IBV_QPS_RTS;
    return &f->qp;
}

void fake_destroy_qp(struct ibv_qp *qp) { free(qp); }

/* A packet arrives: it lands in the oldest posted receive buffer, whose completion is queued. */
int fake_deliver(struct ibv_qp *qp, const uint8_t *data, uint32_t len, uint32_t wc_flags) {
    struct fake_qp *f = (struct fake_qp *) qp;
    pthread_mutex_lock(&lock);
    if (f->rq_head == f->rq_tail) {
        pthread_mutex_unlock(&lock);
        return -1; /* no buffer posted: a NIC drops it (rx_out_of_buffer) */
    }
    int slot = f->rq_head++ % RQ_DEPTH;
    uint32_t n = len < f->rq_len[slot] ? len : f->rq_len[slot];
    memcpy((void *) (uintptr_t) f->rq_addr[slot], data, n);
    push_wc((struct fake_cq *) qp->recv_cq, f->rq_wr_id[slot], IBV_WC_SUCCESS, IBV_WC_RECV, n, wc_flags, qp->qp_num);
    pthread_mutex_unlock(&lock);
    return 0;
}

/* Flushes every posted receive buffer, as moving the QP to ERR does. */
int fake_flush_rq(struct ibv_qp *qp) {
    struct fake_qp *f = (struct fake_qp *) qp;
    int n = 0;
    while (f->rq_head != f->rq_tail) {
        int slot = f->rq_head++ % RQ_DEPTH;
        push_wc((struct fake_cq *) qp->recv_cq, f->rq_wr_id[slot], IBV_WC_WR_FLUSH_ERR, IBV_WC_RECV, 0, 0, qp->qp_num);
        n++;
    }
    return n;
}

int fake_rq_posted(struct ibv_qp *qp) {
    struct fake_qp *f = (struct fake_qp *) qp;
    return f->rq_tail - f->rq_head;
}

int fake_send_count(void) { return send_count; }
int fake_recv_count(void) { return recv_count; }
int fake_send_calls(void) { return send_calls; }
int fake_recv_calls(void) { return recv_calls; }
int fake_poll_calls(void) { return poll_calls; }
const struct rec *fake_send_record(int i) { return &sends[i]; }
const struct rec *fake_recv_record(int i) { return &recvs[i]; }
int fake_record_size(void) { return sizeof(struct rec); }
int fake_notify_calls(struct ibv_cq *cq) { return ((struct fake_cq *) cq)->notify_calls; }
int fake_last_solicited_only(struct ibv_cq *cq) { return ((struct fake_cq *) cq)->last_solicited_only; }
int fake_flow_count(void) { return flow_count; }
const uint8_t *fake_flow_attr(int i) { return flow_attrs[i]; }
int fake_flow_size(int i) { return flow_sizes[i]; }
int fake_flow_destroyed(int i) { return flow_destroyed[i]; }
struct ibv_flow *fake_flow_handle(int i) { return flow_handles[i]; }

/*
 * ---- A stand-in for libibverbs' exported set-up functions ----
 * FakeLibibverbsTest loads this library in place of libibverbs.so.1 (system property
 * flyover.verbs.library), so VerbsRawQueue's real set-up and tear-down sequence runs against it.
 * Each call is logged; fake_fail_setup(step, errno) makes one step fail as the real one would.
 */
#undef ibv_query_port /* the header's macro over ___ibv_query_port: define the exported symbols themselves */
#undef ibv_reg_mr

enum { STEP_NONE, STEP_LIST, STEP_NO_DEVICES, STEP_OPEN, STEP_QUERY_DEVICE, STEP_PD, STEP_REG_MR, STEP_CHANNEL,
       STEP_CQ, STEP_QP, STEP_MODIFY_RTR };

static int fail_step, fail_errno;
static char call_log[8192];
static int live_objects;
static struct ibv_device fake_device = { .name = "fake_mlx5_0", .dev_name = "uverbs0" };
static uint64_t reg_addr, reg_length;
static int reg_access;
static struct ibv_qp_init_attr qp_init;
static struct ibv_comp_channel *recv_channel_seen;
static int modify_state[8], modify_mask[8], modify_port[8], modify_count;

void fake_fail_setup(int step, int err) { fail_step = step; fail_errno = err; }
const char *fake_calls(void) { return call_log; }
int fake_live_objects(void) { return live_objects; }
uint64_t fake_reg_addr(void) { return reg_addr; }
uint64_t fake_reg_length(void) { return reg_length; }
int fake_reg_access(void) { return reg_access; }
const struct ibv_qp_init_attr *fake_qp_init(void) { return &qp_init; }
int fake_recv_channel_seen(void) { return recv_channel_seen != NULL; }
int fake_modify_count(void) { return modify_count; }
int fake_modify_state(int i) { return modify_state[i]; }
int fake_modify_mask(int i) { return modify_mask[i]; }
int fake_modify_port(int i) { return modify_port[i]; }

void fake_reset_setup(void) {
    fail_step = STEP_NONE;
    call_log[0] = 0;
    modify_count = 0;
    recv_channel_seen = NULL;
}

static void logcall(const char *name) {
    pthread_mutex_lock(&lock);
    size_t used = strlen(call_log);
    if (used + strlen(name) + 2 < sizeof(call_log)) {
        strcat(call_log, call_log[0] ? " " : "");
        strcat(call_log, name);
    }
    pthread_mutex_unlock(&lock);
}

static int failing(int step) {
    if (fail_step == step) {
        errno = fail_errno;
        return 1;
    }
    return 0;
}

static int fork_init_calls;
int fake_fork_init_calls(void) { return fork_init_calls; }

int ibv_fork_init(void) { logcall("ibv_fork_init"); fork_init_calls++; return 0; }

struct ibv_device **ibv_get_device_list(int *num_devices) {
    logcall("ibv_get_device_list");
    if (failing(STEP_LIST)) {
        return NULL;
    }
    struct ibv_device **list = calloc(2, sizeof(*list));
    int n = fail_step == STEP_NO_DEVICES ? 0 : 1;
    list[0] = n ? &fake_device : NULL;
    if (num_devices) {
        *num_devices = n;
    }
    return list;
}

void ibv_free_device_list(struct ibv_device **list) { logcall("ibv_free_device_list"); free(list); }
const char *ibv_get_device_name(struct ibv_device *device) { logcall("ibv_get_device_name"); return device->name; }

struct ibv_context *ibv_open_device(struct ibv_device *device) {
    logcall("ibv_open_device");
    if (failing(STEP_OPEN)) {
        return NULL;
    }
    live_objects++;
    struct ibv_context *c = fake_open();
    c->device = device;
    return c;
}

int ibv_close_device(struct ibv_context *context) { logcall("ibv_close_device"); live_objects--; fake_close(context); return 0; }

int ibv_query_device(struct ibv_context *context, struct ibv_device_attr *attr) {
    logcall("ibv_query_device");
    if (fail_step == STEP_QUERY_DEVICE) {
        return fail_errno;
    }
    memset(attr, 0, sizeof(*attr));
    strcpy(attr->fw_ver, "16.35.0000");
    attr->phys_port_cnt = 1;
    attr->max_qp_wr = 32768;
    attr->device_cap_flags = IBV_DEVICE_RAW_IP_CSUM | IBV_DEVICE_MANAGED_FLOW_STEERING;
    return 0;
}

/* The compatibility symbol: the header's ibv_query_port macro must not reach it when the context is extended. */
int ibv_query_port(struct ibv_context *context, uint8_t port_num, struct _compat_ibv_port_attr *attr) {
    logcall("ibv_query_port(compat)");
    return ENOSYS;
}

int ibv_query_gid(struct ibv_context *context, uint8_t port_num, int index, union ibv_gid *gid) {
    logcall("ibv_query_gid");
    memset(gid, 0, sizeof(*gid));
    return 0;
}

struct ibv_pd *ibv_alloc_pd(struct ibv_context *context) {
    logcall("ibv_alloc_pd");
    if (failing(STEP_PD)) {
        return NULL;
    }
    live_objects++;
    struct ibv_pd *pd = calloc(1, sizeof(*pd));
    pd->context = context;
    return pd;
}

int ibv_dealloc_pd(struct ibv_pd *pd) { logcall("ibv_dealloc_pd"); live_objects--; free(pd); return 0; }

struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length, int access) {
    logcall("ibv_reg_mr");
    if (failing(STEP_REG_MR)) {
        return NULL;
    }
    live_objects++;
    reg_addr = (uintptr_t) addr;
    reg_length = length;
    reg_access = access;
    struct ibv_mr *mr = calloc(1, sizeof(*mr));
    mr->context = pd->context;
    mr->pd = pd;
    mr->addr = addr;
    mr->length = length;
    mr->lkey = 0x1234abcd;
    mr->rkey = 0x4321;
    return mr;
}

int ibv_dereg_mr(struct ibv_mr *mr) { logcall("ibv_dereg_mr"); live_objects--; free(mr); return 0; }

struct ibv_comp_channel *ibv_create_comp_channel(struct ibv_context *context) {
    logcall("ibv_create_comp_channel");
    if (failing(STEP_CHANNEL)) {
        return NULL;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return NULL;
    }
    live_objects++;
    struct fake_channel *c = calloc(1, sizeof(*c));
    c->ch.context = context;
    c->ch.fd = fds[0];
    c->write_fd = fds[1];
    return &c->ch;
}

int ibv_destroy_comp_channel(struct ibv_comp_channel *channel) {
    logcall("ibv_destroy_comp_channel");
    struct fake_channel *c = (struct fake_channel *) channel;
    live_objects--;
    close(c->ch.fd);
    close(c->write_fd);
    free(c);
    return 0;
}

struct ibv_cq *ibv_create_cq(struct ibv_context *context, int cqe, void *cq_context, struct ibv_comp_channel *channel,
                             int comp_vector) {
    logcall("ibv_create_cq");
    if (failing(STEP_CQ)) {
        return NULL;
    }
    live_objects++;
    struct ibv_cq *cq = fake_create_cq(context, cqe);
    cq->channel = channel;
    cq->cq_context = cq_context;
    if (channel) {
        recv_channel_seen = channel;
    }
    return cq;
}

static int acked_events, unacked_at_destroy;
int fake_acked_events(void) { return acked_events; }
/* CQs destroyed with events taken and not acknowledged: the real ibv_destroy_cq would wait forever. */
int fake_unacked_at_destroy(void) { return unacked_at_destroy; }
int fake_events_raised(struct ibv_cq *cq) { return ((struct fake_cq *) cq)->events_raised; }
int fake_events_got(struct ibv_cq *cq) { return ((struct fake_cq *) cq)->events_got; }
int fake_events_acked(struct ibv_cq *cq) { return ((struct fake_cq *) cq)->events_acked; }

/* Reads one event from the channel's pipe: blocks, or fails with EAGAIN if the fd is non-blocking and empty. */
int ibv_get_cq_event(struct ibv_comp_channel *channel, struct ibv_cq **cq, void **cq_context) {
    struct ibv_cq *from;
    ssize_t n = read(channel->fd, &from, sizeof(from));
    if (n != sizeof(from)) {
        logcall(n < 0 && errno == EAGAIN ? "ibv_get_cq_event=EAGAIN" : "ibv_get_cq_event=error");
        if (n >= 0) {
            errno = EIO;
        }
        return -1;
    }
    logcall("ibv_get_cq_event");
    pthread_mutex_lock(&lock);
    ((struct fake_cq *) from)->events_got++;
    pthread_mutex_unlock(&lock);
    *cq = from;
    *cq_context = from->cq_context;
    return 0;
}

void ibv_ack_cq_events(struct ibv_cq *cq, unsigned int nevents) {
    logcall("ibv_ack_cq_events");
    pthread_mutex_lock(&lock);
    acked_events += nevents;
    ((struct fake_cq *) cq)->events_acked += nevents;
    pthread_mutex_unlock(&lock);
}

int ibv_destroy_cq(struct ibv_cq *cq) {
    logcall("ibv_destroy_cq");
    struct fake_cq *f = (struct fake_cq *) cq;
    if (f->events_acked != f->events_got) {
        unacked_at_destroy++;
    }
    live_objects--;
    fake_destroy_cq(cq);
    return 0;
}

struct ibv_qp *ibv_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *init) {
    logcall("ibv_create_qp");
    qp_init = *init;
    if (failing(STEP_QP)) {
        return NULL;
    }
    live_objects++;
    /* Like mlx5, grant at least what was asked, the inline size rounded to what the WQE holds. */
    init->cap.max_inline_data = init->cap.max_inline_data > 0 ? 188 + 256 : 0;
    struct ibv_qp *qp = fake_create_qp(pd->context, init->send_cq, init->recv_cq, 0x99);
    qp->pd = pd;
    qp->state = IBV_QPS_RESET;
    return qp;
}

int ibv_destroy_qp(struct ibv_qp *qp) { logcall("ibv_destroy_qp"); live_objects--; fake_destroy_qp(qp); return 0; }

int ibv_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask) {
    logcall("ibv_modify_qp");
    if (modify_count < 8) {
        modify_state[modify_count] = attr->qp_state;
        modify_mask[modify_count] = attr_mask;
        modify_port[modify_count] = attr->port_num;
        modify_count++;
    }
    if (fail_step == STEP_MODIFY_RTR && attr->qp_state == IBV_QPS_RTR) {
        return fail_errno;
    }
    qp->state = attr->qp_state;
    return 0;
}

const char *ibv_wc_status_str(enum ibv_wc_status status) { return "fake provider"; }
