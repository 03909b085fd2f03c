/* The checksum crashload and crashcheck agree on for file contents: crc32 (IEEE,
 * reflected), continued across calls so a file's crc can grow with appends. */
#ifndef CRASHCRC_H
#define CRASHCRC_H
#include <stddef.h>
#include <stdint.h>

/* crc is the value so far (0 to start); returns it with the n bytes of p added. */
static inline uint32_t crash_crc(uint32_t crc, const void *p, size_t n)
{
    const uint8_t *b = p;
    crc = ~crc;
    while (n--) {
        crc ^= *b++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

#endif
