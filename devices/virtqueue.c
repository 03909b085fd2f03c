/* Split virtqueues from the device's side. The driver owns the descriptor table and the
 * available ring and may change them at any moment (it is hostile), so every field is read
 * once into a local copy before it is checked and used; the rings' host pointers are
 * checked against guest RAM once, when the queue is enabled, and every buffer address when
 * its descriptor is read. Ordering against the driver follows virtio 1.x 2.7.7 and 2.7.13:
 * read avail->idx, then (acquire) the ring and descriptors; write the used element, then
 * (release) used->idx; a full fence between publishing an index and reading the other
 * side's event index, or a wakeup can be lost. */
#include <stdatomic.h>
#include <string.h>

#include "devices/virtqueue.h"

#define LOAD16(p)      __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE16(p, v)  __atomic_store_n((p), (uint16_t)(v), __ATOMIC_RELAXED)

static bool is_pow2(uint32_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

void virtq_reset(struct virtq *q)
{
    *q = (struct virtq){ 0 };
}

int virtq_enable(struct virtq *q, const struct guest_mem *m)
{
    uint32_t n = q->num;
    if (!is_pow2(n) || n > VIRTQ_NUM_MAX)
        return -1;
    if (q->desc_gpa % 16 || q->avail_gpa % 2 || q->used_gpa % 4)
        return -1;
    /* Sizes from 2.7: the event-index fields are always part of the rings. */
    q->desc = gpa_ptr(m, q->desc_gpa, 16ULL * n);
    q->avail = gpa_ptr(m, q->avail_gpa, 6ULL + 2ULL * n);
    q->used = gpa_ptr(m, q->used_gpa, 6ULL + 8ULL * n);
    if (q->desc == NULL || q->avail == NULL || q->used == NULL) {
        q->desc = NULL, q->avail = NULL, q->used = NULL;
        return -1;
    }
    q->last_avail = 0;
    q->used_idx = 0;
    q->signalled_used = 0;
    q->ready = true;
    return 0;
}

/* Copy one descriptor out of guest memory (the driver may rewrite it under us). */
static struct virtq_desc read_desc(const void *table, uint32_t i)
{
    struct virtq_desc d;
    memcpy(&d, (const uint8_t *)table + 16ULL * i, sizeof d);
    atomic_signal_fence(memory_order_seq_cst);   /* one copy: no re-reads by the compiler */
    return d;
}

/* Append one buffer to the chain. 0, or -1 if it is outside RAM, breaks the readable-
 * then-writable order, or the chain is too long. */
static int add_seg(struct virtq_chain *c, const struct guest_mem *m, const struct virtq_desc *d)
{
    bool write = d->flags & VIRTQ_DESC_F_WRITE;
    if (c->nseg >= VIRTQ_SEG_MAX)
        return -1;
    if (!write && c->nseg > c->nread)
        return -1;
    uint8_t *p = gpa_ptr(m, d->addr, d->len);
    if (p == NULL)
        return -1;
    c->seg[c->nseg++] = (struct virtq_seg){ p, d->len, write };
    if (!write)
        c->nread = c->nseg;
    return 0;
}

/* Walk an indirect table (one level: its entries may not be indirect themselves). Steps
 * are bounded by the table's length, which also catches loops. */
static int walk_indirect(struct virtq_chain *c, const struct guest_mem *m,
                         const struct virtq_desc *ind)
{
    if ((ind->flags & VIRTQ_DESC_F_NEXT) || ind->len % 16 || ind->len == 0)
        return -1;
    uint32_t n = ind->len / 16;
    if (n > VIRTQ_SEG_MAX)
        return -1;
    const void *table = gpa_ptr(m, ind->addr, ind->len);
    if (table == NULL)
        return -1;
    uint32_t i = 0;
    for (uint32_t steps = 0; steps < n; steps++) {
        struct virtq_desc d = read_desc(table, i);
        if ((d.flags & VIRTQ_DESC_F_INDIRECT) || add_seg(c, m, &d) < 0)
            return -1;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        if (d.next >= n)
            return -1;
        i = d.next;
    }
    return -1;   /* more steps than entries: a loop */
}

/* Walk the chain starting at head. Steps are bounded by the queue size (2.7.5.2: no chain
 * is longer), which catches loops. */
static int walk_chain(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c,
                      uint16_t head)
{
    uint32_t i = head;
    c->head = head;
    c->nseg = 0;
    c->nread = 0;
    for (uint32_t steps = 0; steps < q->num; steps++) {
        struct virtq_desc d = read_desc(q->desc, i);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            /* The write flag of the descriptor that points at a table is ignored (2.7.5.3.2). */
            if (!q->indirect || walk_indirect(c, m, &d) < 0)
                return -1;
        } else if (add_seg(c, m, &d) < 0) {
            return -1;
        }
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return 0;
        if (d.next >= q->num)
            return -1;
        i = d.next;
    }
    return -1;
}

int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c)
{
    if (!q->ready)
        return 0;
    uint16_t avail_idx = LOAD16(&q->avail[1]);
    uint16_t pending = (uint16_t)(avail_idx - q->last_avail);
    if (pending == 0)
        return 0;
    if (pending > q->num)
        return -1;                     /* the driver claims more buffers than the ring holds */
    atomic_thread_fence(memory_order_acquire);
    uint16_t head = LOAD16(&q->avail[2 + q->last_avail % q->num]);
    if (head >= q->num || walk_chain(q, m, c, head) < 0)
        return -1;
    q->last_avail++;
    return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
    uint32_t *elem = (uint32_t *)((uint8_t *)q->used + 4 + 8 * (q->used_idx % q->num));
    __atomic_store_n(&elem[0], (uint32_t)head, __ATOMIC_RELAXED);
    __atomic_store_n(&elem[1], written, __ATOMIC_RELAXED);
    q->used_idx++;
    __atomic_store_n(&q->used[1], q->used_idx, __ATOMIC_RELEASE);
}

/* vring_need_event from 2.7.10: interrupt if used_event lies in [old, new). */
static bool need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old_idx);
}

bool virtq_should_interrupt(struct virtq *q)
{
    if (!q->ready)
        return false;
    atomic_thread_fence(memory_order_seq_cst);   /* used->idx visible before we read theirs */
    uint16_t old_idx = q->signalled_used, new_idx = q->used_idx;
    q->signalled_used = new_idx;
    if (old_idx == new_idx)
        return false;
    if (q->event_idx)
        return need_event(LOAD16(&q->avail[2 + q->num]), new_idx, old_idx);
    return !(LOAD16(&q->avail[0]) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

bool virtq_arm_notify(struct virtq *q)
{
    if (!q->ready)
        return false;
    if (q->event_idx)
        STORE16(&q->used[2 + 4 * q->num], q->last_avail);
    else
        STORE16(&q->used[0], 0);
    atomic_thread_fence(memory_order_seq_cst);   /* publish before re-reading avail->idx */
    return LOAD16(&q->avail[1]) != q->last_avail;
}
