/* The virtio-blk device: turns descriptor chains into checked block requests. A request
 * is a 16-byte header {le32 type, le32 reserved, le64 sector}, the data, and one status
 * byte the device writes last (5.2.6). The layout of these bytes over descriptors is the
 * driver's choice (VIRTIO_F_VERSION_1 implies any layout), so the chain is read as a byte
 * stream: the header is the first 16 readable bytes, the status the last writable byte.
 * A chain whose status byte cannot even be found cannot be answered: DEVICE_NEEDS_RESET;
 * every other malformed request gets IOERR, an unknown type UNSUPP. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/virtio_blk.h"

#define HEADER_BYTES 16

static void config_read(void *dev, uint32_t off, uint8_t *data, uint32_t len)
{
    struct virtio_blk *b = dev;
    for (uint32_t i = 0; i < len; i++)
        data[i] = off + i < sizeof b->config ? b->config[off + i] : 0;
}

/* Nothing in our config space is writable (no VIRTIO_BLK_F_CONFIG_WCE). */
static void config_write(void *dev, uint32_t off, const uint8_t *data, uint32_t len)
{
}

static void notify(void *dev, uint32_t queue)
{
    struct virtio_blk *b = dev;
    uint64_t one = 1;
    if (b->notify_fd >= 0)
        (void)!write(b->notify_fd, &one, sizeof one);
    else
        virtio_blk_process(b);
}

static void device_reset(void *dev)
{
    struct virtio_blk *b = dev;
    b->starved = false;
}

static const struct virtio_dev_ops blk_ops = { config_read, config_write, notify, device_reset };

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

int virtio_blk_init(struct virtio_blk *b, const struct guest_mem *mem, uint64_t capacity,
                    bool ro, const char *id, struct irq_line irq, blk_submit_fn submit, void *ctx)
{
    memset(b, 0, sizeof *b);
    uint64_t features = (1ULL << VIRTIO_BLK_F_SIZE_MAX) | (1ULL << VIRTIO_BLK_F_SEG_MAX) |
                        (1ULL << VIRTIO_BLK_F_BLK_SIZE) | (1ULL << VIRTIO_BLK_F_FLUSH) |
                        (1ULL << VIRTIO_F_INDIRECT_DESC) | (1ULL << VIRTIO_F_EVENT_IDX) |
                        (ro ? 1ULL << VIRTIO_BLK_F_RO : 0);
    b->pool = calloc(VIRTQ_NUM_MAX, sizeof *b->pool);
    if (b->pool == NULL)
        return -1;
    if (virtio_mmio_init(&b->t, mem, VIRTIO_ID_BLOCK, features, 1, irq, &blk_ops, b) < 0) {
        free(b->pool);
        return -1;
    }
    for (int i = VIRTQ_NUM_MAX - 1; i >= 0; i--) {
        b->pool[i].next_free = b->free;
        b->free = &b->pool[i];
    }
    b->capacity = capacity;
    b->ro = ro;
    /* Not NUL-terminated when 20 bytes long (5.2.6); b->id was zeroed above. */
    memcpy(b->id, id, strnlen(id, sizeof b->id));
    b->submit = submit;
    b->submit_ctx = ctx;
    b->notify_fd = -1;
    put_le(b->config + VIRTIO_BLK_CFG_CAPACITY, capacity, 8);
    put_le(b->config + VIRTIO_BLK_CFG_SIZE_MAX, VIRTIO_BLK_SIZE_MAX, 4);
    put_le(b->config + VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_SEG_MAX, 4);
    put_le(b->config + VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_SECTOR, 4);
    return 0;
}

void virtio_blk_destroy(struct virtio_blk *b)
{
    virtio_mmio_destroy(&b->t);
    free(b->pool);
    b->pool = NULL;
}

/* Describe the bytes [skip, skip + take) of segments segs[0..n) as iovecs. Returns the
 * number of iovecs (at most n). */
static int slice(const struct virtq_seg *segs, int n, uint64_t skip, uint64_t take,
                 struct iovec *out)
{
    int k = 0;
    for (int i = 0; i < n && take > 0; i++) {
        uint64_t len = segs[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        uint64_t part = len - skip < take ? len - skip : take;
        out[k++] = (struct iovec){ segs[i].hva + skip, part };
        take -= part;
        skip = 0;
    }
    return k;
}

static uint64_t total(const struct virtq_seg *segs, int n)
{
    uint64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += segs[i].len;
    return sum;
}

/* Copy the first `len` bytes of segs (known to hold that many) into dst. */
static void gather(const struct virtq_seg *segs, int n, uint8_t *dst, uint64_t len)
{
    struct iovec iov[HEADER_BYTES];
    int k = slice(segs, n, 0, len, iov);
    for (int i = 0; i < k; i++) {
        memcpy(dst, iov[i].iov_base, iov[i].iov_len);
        dst += iov[i].iov_len;
    }
}

/* Write GET_ID's answer: up to 20 bytes of id, zero-padded, into the data buffers. */
static uint32_t write_id(const struct virtio_blk *b, struct blk_req *r)
{
    uint8_t id[VIRTIO_BLK_ID_BYTES] = { 0 };
    memcpy(id, b->id, sizeof id);
    uint32_t done = 0;
    for (int i = 0; i < r->niov && done < sizeof id; i++) {
        size_t part = r->iov[i].iov_len < sizeof id - done ? r->iov[i].iov_len : sizeof id - done;
        memcpy(r->iov[i].iov_base, id + done, part);
        done += part;
    }
    return done;
}

/* Check an IN or OUT request against the disk. The status to answer now, or -1 if it
 * must go to the backend. */
static int check_rw(const struct virtio_blk *b, const struct blk_req *r)
{
    if (r->type == VIRTIO_BLK_T_OUT && b->ro)
        return VIRTIO_BLK_S_IOERR;
    if (r->len % VIRTIO_BLK_SECTOR)
        return VIRTIO_BLK_S_IOERR;
    uint64_t n = r->len / VIRTIO_BLK_SECTOR;
    if (r->sector > b->capacity || n > b->capacity - r->sector)
        return VIRTIO_BLK_S_IOERR;
    return r->len == 0 ? VIRTIO_BLK_S_OK : -1;
}

/* Fill r from chain c. The status to answer at once (IOERR, UNSUPP, or OK for GET_ID and
 * empty transfers), -1 if the backend must execute it, -2 if the chain has no status byte. */
static int parse(struct virtio_blk *b, const struct virtq_chain *c, struct blk_req *r)
{
    const struct virtq_seg *rd = c->seg, *wr = c->seg + c->nread;
    int nwr = c->nseg - c->nread;
    uint64_t rd_bytes = total(rd, c->nread), wr_bytes = total(wr, nwr);
    if (wr_bytes == 0)
        return -2;
    struct iovec st;
    slice(wr, nwr, wr_bytes - 1, 1, &st);
    r->status = st.iov_base;
    r->head = c->head;
    r->written = 1;
    r->niov = 0;
    r->len = 0;
    if (rd_bytes < HEADER_BYTES)
        return VIRTIO_BLK_S_IOERR;
    uint8_t h[HEADER_BYTES];
    gather(rd, c->nread, h, HEADER_BYTES);
    memcpy(&r->type, h, 4);
    memcpy(&r->sector, h + 8, 8);
    switch (r->type) {
    case VIRTIO_BLK_T_OUT:
        r->len = rd_bytes - HEADER_BYTES;
        r->niov = slice(rd, c->nread, HEADER_BYTES, r->len, r->iov);
        return check_rw(b, r);
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_GET_ID:
        r->len = wr_bytes - 1;
        r->niov = slice(wr, nwr, 0, r->len, r->iov);
        if (r->type == VIRTIO_BLK_T_GET_ID) {
            r->written += write_id(b, r);
            return VIRTIO_BLK_S_OK;
        }
        r->written += r->len;
        return check_rw(b, r);
    case VIRTIO_BLK_T_FLUSH:
        return -1;
    default:
        return VIRTIO_BLK_S_UNSUPP;
    }
}

/* Write the status byte last, then hand the chain back. Lock held. */
static void finish(struct virtio_blk *b, struct blk_req *r, uint8_t status)
{
    __atomic_store_n(r->status, status, __ATOMIC_RELAXED);
    virtq_push(&b->t.queues[0], r->head, r->written);
    r->next_free = b->free;
    b->free = r;
}

/* Parse one chain and start it. Lock held. */
static void start(struct virtio_blk *b, const struct virtq_chain *c)
{
    struct blk_req *r = b->free;
    b->free = r->next_free;
    int now = parse(b, c, r);
    if (now == -2) {
        r->next_free = b->free;
        b->free = r;
        virtio_mmio_needs_reset(&b->t);
        return;
    }
    if (now < 0)
        now = b->submit(b->submit_ctx, r);
    if (now == BLK_LOST) {
        virtio_blk_halt(b);
        return;
    }
    if (now == BLK_ASYNC)
        b->t.inflight++;
    else
        finish(b, r, (uint8_t)now);
}

void virtio_blk_halt(struct virtio_blk *b)
{
    b->t.halted = true;
    pthread_cond_broadcast(&b->t.idle);
}

/* Lock held. Drains the available ring while request slots last; with none left it stops
 * and is called again from virtio_blk_complete. */
static void drain(struct virtio_blk *b)
{
    struct virtq *q = &b->t.queues[0];
    b->starved = false;
    do {
        while (virtio_mmio_running(&b->t)) {
            if (b->free == NULL) {
                b->starved = true;
                return;
            }
            int rc = virtq_pop(q, b->t.mem, &b->chain);
            if (rc == 0)
                break;
            if (rc < 0) {
                virtio_mmio_needs_reset(&b->t);
                return;
            }
            start(b, &b->chain);
        }
    } while (virtio_mmio_running(&b->t) && virtq_arm_notify(q));
}

static void interrupt_if_wanted(struct virtio_blk *b)
{
    if (virtio_mmio_running(&b->t) && virtq_should_interrupt(&b->t.queues[0]))
        virtio_mmio_interrupt(&b->t, VIRTIO_INT_USED_BUFFER);
}

void virtio_blk_process(struct virtio_blk *b)
{
    pthread_mutex_lock(&b->t.lock);
    drain(b);
    interrupt_if_wanted(b);
    pthread_mutex_unlock(&b->t.lock);
}

void virtio_blk_complete(struct virtio_blk *b, struct blk_req **reqs, int n)
{
    pthread_mutex_lock(&b->t.lock);
    if (!b->t.halted) {
        for (int i = 0; i < n; i++)
            finish(b, reqs[i], reqs[i]->result);
        b->t.inflight -= n;
        if (b->t.inflight == 0)
            pthread_cond_broadcast(&b->t.idle);
        if (b->starved)
            drain(b);
        interrupt_if_wanted(b);
    }
    pthread_mutex_unlock(&b->t.lock);
}
