/*
 * crc32c.c — CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum RocksDB's
 * BackupEngine records for every backed-up file ("crc32 N" lines of meta/<id>) and the one
 * our sidecar manifests use. Slicing-by-8 over a table built once (thread-safe: pthread_once).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "codegraph/admin.h"
#include "codegraph/base.h"

#define CRC_POLY 0x82F63B78u
#define CRC_READ_CHUNK (1u << 20) /* bytes read per call when checksumming a file */

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_build(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ CRC_POLY : c >> 1;
        crc_tab[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

uint32_t cg_crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint32_t c = ~crc;

    pthread_once(&crc_once, crc_table_build);
    while (len >= 8) {
        uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24);
        c = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
            crc_tab[4][lo >> 24] ^ crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^
            crc_tab[0][p[7]];
        p += 8;
        len -= 8;
    }
    while (len--) c = crc_tab[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

int cg_crc32c_file(const char *path, uint32_t *crc, uint64_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
    uint8_t *buf = NULL;
    uint32_t c = 0;
    uint64_t total = 0;

    if (fd < 0) return -errno;
    buf = malloc(CRC_READ_CHUNK);
    if (!buf) {
        rc = -ENOMEM;
        goto fail;
    }
    for (;;) {
        ssize_t n = read(fd, buf, CRC_READ_CHUNK);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            rc = -errno;
            goto fail;
        }
        if (n == 0) break;
        c = cg_crc32c(c, buf, (size_t)n);
        total += (uint64_t)n;
    }
    *crc = c;
    if (size) *size = total;
fail:
    free(buf);
    close(fd);
    return rc;
}
