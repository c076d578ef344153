/* unzstd: stdin (zstd frames) to stdout, nothing else. The decompressor shipped
 * inside dist/nxs between the header and the payload, linked statically so it
 * runs on a box with no libc at all (busybox-only roots, initramfs). Built by
 * build/zstd-helper.ts against Debian's libzstd.a (libzstd-dev).
 * Exit 0 only when every frame decoded and the last one ended (a truncated
 * stream is an error, not a short success); 1 with one line on stderr otherwise. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

/* The payload is written with an 8 MiB window (zstd -19 without --long); refuse
 * anything asking for more than 128 MiB so a damaged frame header cannot make a
 * small box allocate gigabytes. */
#define WINDOW_LOG_MAX 27

static int write_all(const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(void) {
  ZSTD_DCtx *dctx = ZSTD_createDCtx();
  size_t in_cap = ZSTD_DStreamInSize(), out_cap = ZSTD_DStreamOutSize();
  char *in = malloc(in_cap), *out = malloc(out_cap);
  if (!dctx || !in || !out) { fputs("unzstd: out of memory\n", stderr); return 1; }
  ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, WINDOW_LOG_MAX);
  size_t hint = 1; /* ZSTD_decompressStream returns 0 exactly when a frame is complete */
  int seen = 0;
  for (;;) {
    ssize_t r = read(0, in, in_cap);
    if (r < 0) {
      if (errno == EINTR) continue;
      perror("unzstd: read");
      return 1;
    }
    if (r == 0) break;
    seen = 1;
    ZSTD_inBuffer ib = { in, (size_t)r, 0 };
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob = { out, out_cap, 0 };
      hint = ZSTD_decompressStream(dctx, &ob, &ib);
      if (ZSTD_isError(hint)) { fprintf(stderr, "unzstd: %s\n", ZSTD_getErrorName(hint)); return 1; }
      if (write_all(out, ob.pos) != 0) { perror("unzstd: write"); return 1; }
    }
  }
  /* Flush what the last input left in the context (a frame can end after its input is consumed). */
  for (;;) {
    if (!seen || hint == 0) break;
    ZSTD_inBuffer ib = { in, 0, 0 };
    ZSTD_outBuffer ob = { out, out_cap, 0 };
    hint = ZSTD_decompressStream(dctx, &ob, &ib);
    if (ZSTD_isError(hint)) { fprintf(stderr, "unzstd: %s\n", ZSTD_getErrorName(hint)); return 1; }
    if (write_all(out, ob.pos) != 0) { perror("unzstd: write"); return 1; }
    if (ob.pos == 0) break;
  }
  if (!seen || hint != 0) { fputs("unzstd: truncated input (the last frame did not end)\n", stderr); return 1; }
  return 0;
}
