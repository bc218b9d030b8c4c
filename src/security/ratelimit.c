/*
 * ratelimit.c — GCRA token buckets in a fixed-size, sharded table.
 *
 * DESIGN
 * GCRA keeps one number per client, its "theoretical arrival time" (TAT): with emission
 * interval T = window / rate and tolerance tau = (burst - 1) * T, a request at `now` is
 * allowed when max(TAT, now) - now <= tau, and then TAT = max(TAT, now) + T. That is
 * exactly a token bucket of `burst` tokens refilled at rate/window, in 8 bytes.
 *
 * Table: CG_RL_SHARDS shards, each a spin flag and CG_RL_SLOTS entries {client, TAT}.
 * A client hashes to one shard and a start slot; lookups probe CG_RL_PROBE consecutive
 * slots. Invariants: memory never grows (the table is allocated once); client 0 marks an
 * empty slot (real ids are never 0); a shard is touched only under its flag, held for a
 * few dozen instructions, so reactors contend only when they hit the same shard at the
 * same moment — there is no global lock. A miss takes the first empty slot, else an idle
 * one (TAT <= now: its bucket is full, forgetting it loses nothing), else the entry with
 * the smallest TAT (the one closest to full), so eviction can at worst hand one client
 * one extra burst. Parameters are atomics, so a reload changes them in place.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "codegraph/base.h"
#include "codegraph/security.h"

_Static_assert((CG_RL_SLOTS & (CG_RL_SLOTS - 1)) == 0, "slots per shard: a power of two");
_Static_assert((CG_RL_SHARDS & (CG_RL_SHARDS - 1)) == 0, "shards: a power of two");
_Static_assert(CG_RL_PROBE <= CG_RL_SLOTS, "probe window fits a shard");

typedef struct rl_entry {
    uint64_t client;
    uint64_t tat_ns;
} rl_entry;

typedef struct rl_shard {
    atomic_flag lock;
    rl_entry e[CG_RL_SLOTS];
} __attribute__((aligned(64))) rl_shard;

struct cg_ratelimit {
    _Atomic uint64_t interval_ns;  /* T */
    _Atomic uint64_t tolerance_ns; /* tau */
    rl_shard shards[CG_RL_SHARDS];
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

void cg_ratelimit_configure(cg_ratelimit *rl, int64_t rate, int64_t window_ms, int64_t burst)
{
    if (rate < 1) rate = 1;
    if (window_ms < 1) window_ms = 1;
    if (burst < 1) burst = 1;
    uint64_t t = (uint64_t)window_ms * 1000000ull / (uint64_t)rate;
    if (t == 0) t = 1;
    atomic_store(&rl->interval_ns, t);
    atomic_store(&rl->tolerance_ns, t * (uint64_t)(burst - 1));
}

int cg_ratelimit_create(cg_ratelimit **out, int64_t rate, int64_t window_ms, int64_t burst)
{
    cg_ratelimit *rl = aligned_alloc(64, sizeof *rl);
    if (!rl) return CG_ENOMEM;
    for (int i = 0; i < CG_RL_SHARDS; i++) {
        atomic_flag_clear(&rl->shards[i].lock);
        for (int j = 0; j < CG_RL_SLOTS; j++) rl->shards[i].e[j] = (rl_entry){0, 0};
    }
    cg_ratelimit_configure(rl, rate, window_ms, burst);
    *out = rl;
    return 0;
}

void cg_ratelimit_destroy(cg_ratelimit *rl)
{
    free(rl);
}

static void shard_lock(rl_shard *s)
{
    while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire))
        __builtin_ia32_pause();
}

static void shard_unlock(rl_shard *s)
{
    atomic_flag_clear_explicit(&s->lock, memory_order_release);
}

/* The entry for `client` in shard s (found, or a reused slot reset to a full bucket). */
static rl_entry *slot_find(rl_shard *s, uint64_t client, unsigned start, uint64_t now)
{
    rl_entry *empty = NULL, *idle = NULL, *oldest = NULL;
    for (unsigned i = 0; i < CG_RL_PROBE; i++) {
        rl_entry *e = &s->e[(start + i) & (CG_RL_SLOTS - 1)];
        if (e->client == client) return e;
        if (e->client == 0) {
            if (!empty) empty = e;
        } else if (e->tat_ns <= now) {
            if (!idle) idle = e;
        } else if (!oldest || e->tat_ns < oldest->tat_ns) {
            oldest = e;
        }
    }
    rl_entry *e = empty ? empty : idle ? idle : oldest;
    e->client = client;
    e->tat_ns = now;
    return e;
}

int cg_ratelimit_take(cg_ratelimit *rl, uint64_t client, uint64_t now_ns, uint32_t *retry_after_s)
{
    uint64_t t = atomic_load_explicit(&rl->interval_ns, memory_order_relaxed);
    uint64_t tau = atomic_load_explicit(&rl->tolerance_ns, memory_order_relaxed);
    if (client == 0) client = 1;
    uint64_t h = mix64(client);
    rl_shard *s = &rl->shards[h & (CG_RL_SHARDS - 1)];
    shard_lock(s);
    rl_entry *e = slot_find(s, client, (unsigned)(h >> 32), now_ns);
    uint64_t tat = e->tat_ns > now_ns ? e->tat_ns : now_ns;
    int ok = tat - now_ns <= tau;
    if (ok) e->tat_ns = tat + t;
    shard_unlock(s);
    if (!ok && retry_after_s) {
        uint64_t wait = tat - now_ns - tau;
        *retry_after_s = (uint32_t)CG_MIN((wait + 999999999ull) / 1000000000ull, 86400ull);
        if (*retry_after_s == 0) *retry_after_s = 1;
    }
    return ok;
}

int cg_ratelimit_tracked(cg_ratelimit *rl)
{
    int n = 0;
    for (int i = 0; i < CG_RL_SHARDS; i++) {
        rl_shard *s = &rl->shards[i];
        shard_lock(s);
        for (int j = 0; j < CG_RL_SLOTS; j++) n += s->e[j].client != 0;
        shard_unlock(s);
    }
    return n;
}
