/* df: the root file system's size and free space (blocks of 4 KiB and inodes), its
 * journal and mode, and the buffer cache's size and hit rate. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int main(void)
{
    struct statfs s;
    if (statfs(&s) < 0)
        return fprintf(stderr, "df: %s\n", strerror(errno)), 1;
    static const char *const modes[] = { "ordered", "journal", "writeback" };
    unsigned long kb = (unsigned long)s.f_blocks * (s.f_bsize / 1024);
    unsigned long freekb = (unsigned long)s.f_bfree * (s.f_bsize / 1024);
    printf("Filesystem     1K-blocks      Used Available Use%% Mounted on\n");
    printf("disk0       %12lu %9lu %9lu %3lu%% /\n", kb, kb - freekb, freekb,
           kb ? (kb - freekb) * 100 / kb : 0);
    printf("inodes: %u, %u free; journal: %u blocks, %s mode, %lu commits\n", s.f_files,
           s.f_ffree, s.f_journal, s.f_mode < 3 ? modes[s.f_mode] : "?",
           (unsigned long)s.f_commits);
    printf("cache: %u blocks, %lu hits, %lu misses\n", s.f_cache, (unsigned long)s.f_hits,
           (unsigned long)s.f_misses);
    return 0;
}
