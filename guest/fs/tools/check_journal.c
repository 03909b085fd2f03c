/* fsck's journal part: prints the log's transactions for teaching (-v, fsdump), and brings
 * the image to its recovered state: replayed into the file with -r, else into memory only,
 * so the other checks see what the next mount will see. */
#include <stdlib.h>
#include "guest/fs/tools/check.h"

/* Tags and revokes arrive before their transaction's summary: they are kept until it. */
struct printer {
    FILE *out;
    bool with_tags;
    uint32_t *homes;            /* tags' home blocks, then revoked blocks with the top bit set */
    size_t n, cap;
};

static void keep(struct printer *p, uint32_t v)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        uint32_t *h = realloc(p->homes, cap * sizeof *h);
        if (!h)
            return;
        p->homes = h, p->cap = cap;
    }
    p->homes[p->n++] = v;
}

static void print_tag(void *ctx, uint32_t home, uint32_t flags)
{
    keep(ctx, home | (flags & FS_JTAG_ESCAPED ? 1u << 30 : 0));
}

static void print_revoke(void *ctx, uint32_t home)
{
    keep(ctx, home | 1u << 31);
}

static void print_txn(void *ctx, const struct journal_txn_info *t)
{
    struct printer *p = ctx;
    fprintf(p->out, "  transaction %u at log block %u: %u log blocks, %u logged, %u revoked, commit %s\n",
            t->seq, t->start, t->log_blocks, t->nlogged, t->nrevokes,
            !t->committed ? "missing" : t->checksum_ok ? "checksum ok" : "checksum BAD");
    for (size_t i = 0; p->with_tags && i < p->n; i++)
        fprintf(p->out, "    %s %u%s\n", p->homes[i] >> 31 ? "revoke" : "block",
                p->homes[i] & ((1u << 30) - 1), p->homes[i] >> 30 == 1 ? " (escaped)" : "");
    p->n = 0;
}

int journal_print(struct image *im, const struct fs_superblock *sb, FILE *out, bool with_tags)
{
    static uint8_t scratch[FS_BLOCK_SIZE], buf[FS_BLOCK_SIZE];
    struct journal j;
    if (journal_open(&j, &im->dev, sb, scratch) != 0) {
        fprintf(out, "journal: superblock unreadable or corrupt\n");
        return -1;
    }
    fprintf(out, "journal: blocks %u..%u, log from %u, %s, next sequence %u\n", j.sb_block,
            j.sb_block + j.nblocks - 1, j.first,
            j.tail ? "needs recovery" : "clean", j.tail ? j.tail_seq : j.next_seq);
    if (!j.tail)
        return 0;
    struct printer p = { out, with_tags, NULL, 0, 0 };
    struct journal_visitor v = { print_txn, print_tag, print_revoke, &p };
    int n = journal_scan(&j, buf, &v);
    free(p.homes);
    fprintf(out, "journal: %d valid transaction%s to replay\n", n, n == 1 ? "" : "s");
    return n;
}

/* Rewrites a corrupt journal superblock as an empty log. */
static void reset_journal(struct check *c, const struct fs_superblock *sb)
{
    static uint8_t scratch[FS_BLOCK_SIZE];
    struct journal j = { .dev = &c->im->dev, .sb_block = sb->journal_start,
                         .nblocks = sb->journal_blocks, .first = 1, .scratch = scratch };
    bool fixed = check_may_fix(c) && journal_write_super(&j, 0, 1) == 0 &&
                 c->im->dev.flush(&c->im->dev) == 0;
    check_problem(c, fixed, "journal: superblock corrupt");
}

int check_journal(struct check *c, const struct fs_superblock *sb)
{
    static uint8_t scratch[FS_BLOCK_SIZE];
    struct journal j;
    struct journal_recovery r;
    if (c->o->verbose)
        journal_print(c->im, sb, c->o->out, false);
    int err = journal_open(&j, &c->im->dev, sb, scratch);
    if (err == -FS_EUCLEAN) {
        reset_journal(c, sb);
        return 0;
    }
    if (err != 0 || !journal_needs_recovery(&j))
        return err ? -1 : 0;
    bool into_file = c->o->replay && !c->o->readonly;
    if (!into_file)
        image_use_overlay(c->im);
    size_t memsize = 2 * FS_BLOCK_SIZE + 64 * sizeof(uint32_t) * c->im->dev.nblocks / 16;
    void *mem = malloc(memsize);
    err = mem ? journal_recover(&j, mem, memsize, &r) : -FS_ENOMEM;
    free(mem);
    if (err != 0) {
        fprintf(c->o->out, "journal: recovery failed (error %d)\n", err);
        return -1;
    }
    fprintf(c->o->out, "journal: %s %u transaction%s (%u blocks, %u revoked)%s\n",
            into_file ? "replayed" : "needs recovery: would replay", r.transactions,
            r.transactions == 1 ? "" : "s", r.replayed, r.revoked,
            into_file ? "" : "; checking the recovered state in memory");
    if (into_file)
        c->fixed++, c->found++;
    return 0;
}
