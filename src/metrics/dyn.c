/*
 * dyn.c — dynamic gauges: labelled gauge series created while the server runs (one per
 * project for the last successful index time), next to the static registry of metrics.c.
 *
 * DESIGN
 * The static registry is read without locks once serving starts, so run-time series live
 * apart: families (name, help) and series (family, label) in tables guarded by dyn_mu,
 * which only cg_metrics_gauge_dyn and the renderer take. A series' value is the atomic
 * word dyn_bits[slot], set by cg_metrics_gauge_set without the lock. Invariants:
 *   - slots are handed out in order and freed only by cg_metrics_gauge_dyn_remove; a
 *     removed slot is not rendered and is reused for the next new series, so callers must
 *     not keep an id across a remove of its series (they look it up again each time);
 *   - at most CG_METRICS_DYN_MAX series and CG_METRICS_DYN_FAMILIES_MAX names (CG_ELIMIT
 *     beyond), so labels from run-time data (project names) stay bounded;
 *   - a dynamic family never shares a name with a static one (nor a histogram's derived
 *     names), so every family renders HELP/TYPE exactly once.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "codegraph/base.h"
#include "metrics/metrics_int.h"

int cg_metrics_dyn_init(cg_metrics *m)
{
    m->dyn = calloc(CG_METRICS_DYN_MAX, sizeof *m->dyn);
    if (!m->dyn) return CG_ENOMEM;
    for (int i = 0; i < CG_METRICS_DYN_MAX; i++) atomic_init(&m->dyn_bits[i], 0);
    atomic_init(&m->n_dyn, 0);
    m->n_dyn_families = 0;
    pthread_mutex_init(&m->dyn_mu, NULL);
    return 0;
}

void cg_metrics_dyn_release(cg_metrics *m)
{
    int n = atomic_load(&m->n_dyn);
    for (int i = 0; i < n; i++) free(m->dyn[i].label_value);
    free(m->dyn);
    m->dyn = NULL;
    pthread_mutex_destroy(&m->dyn_mu);
}

/* Under dyn_mu: 1 when a dynamic family clashes with `name`. */
static int dyn_family_clash(const cg_metrics *m, const char *name, int is_hist)
{
    struct cg_metric_def probe = {.kind = CG_MK_GAUGE};
    for (int f = 0; f < m->n_dyn_families; f++) {
        memcpy(probe.name, m->dyn_families[f].name, sizeof probe.name);
        if (strcmp(probe.name, name) == 0 || cg_metrics_name_clash(&probe, name, is_hist)) return 1;
    }
    return 0;
}

int cg_metrics_dyn_name_used(cg_metrics *m, const char *name, int is_hist)
{
    pthread_mutex_lock(&m->dyn_mu);
    int used = dyn_family_clash(m, name, is_hist);
    pthread_mutex_unlock(&m->dyn_mu);
    return used;
}

/* Under dyn_mu: the family called `name`, created if new; CG_EINVAL when a static family
 * owns the name, CG_ELIMIT when the family table is full. */
static int dyn_family(cg_metrics *m, const char *name, const char *help)
{
    for (int f = 0; f < m->n_dyn_families; f++)
        if (strcmp(m->dyn_families[f].name, name) == 0) return f;
    for (int i = 0; i < m->n_defs; i++)
        if (strcmp(m->defs[i].name, name) == 0 || cg_metrics_name_clash(&m->defs[i], name, 0))
            return CG_EINVAL;
    if (m->n_dyn_families >= CG_METRICS_DYN_FAMILIES_MAX) return CG_ELIMIT;
    struct cg_metric_dyn_family *fam = &m->dyn_families[m->n_dyn_families];
    memcpy(fam->name, name, strlen(name) + 1); /* lengths checked by cg_metrics_def_check */
    memcpy(fam->help, help, strlen(help) + 1);
    return m->n_dyn_families++;
}

/* Under dyn_mu: the slot of the series (family, label), created if new. */
static int dyn_series(cg_metrics *m, int family, const char *label_name, const char *label_value)
{
    int n = atomic_load_explicit(&m->n_dyn, memory_order_relaxed), free_slot = -1;
    const char *ln = label_name ? label_name : "", *lv = label_value ? label_value : "";
    for (int i = 0; i < n; i++) {
        const struct cg_metric_dyn_series *d = &m->dyn[i];
        if (d->removed) {
            if (free_slot < 0) free_slot = i;
        } else if (d->family == family && strcmp(d->label_name, ln) == 0 &&
                   strcmp(d->label_value, lv) == 0) {
            return i;
        }
    }
    int slot = free_slot >= 0 ? free_slot : n;
    if (slot >= CG_METRICS_DYN_MAX) return CG_ELIMIT;
    struct cg_metric_dyn_series *d = &m->dyn[slot];
    char *v = strdup(lv);
    if (!v) return CG_ENOMEM;
    if (slot < n) free(d->label_value);
    d->label_value = v;
    d->family = family;
    d->removed = 0;
    memcpy(d->label_name, ln, strlen(ln) + 1);
    atomic_store_explicit(&m->dyn_bits[slot], 0, memory_order_relaxed);
    if (slot == n) atomic_store_explicit(&m->n_dyn, n + 1, memory_order_release);
    return slot;
}

int cg_metrics_gauge_dyn(cg_metrics *m, const char *name, const char *help, const char *label_name,
                         const char *label_value)
{
    if (!m) return CG_EINVAL;
    int rc = cg_metrics_def_check(CG_MK_GAUGE, name, help, label_name, label_value,
                                  CG_METRICS_DYN_VALUE_MAX);
    if (rc < 0) return rc;
    pthread_mutex_lock(&m->dyn_mu);
    rc = dyn_family(m, name, help);
    if (rc >= 0) rc = dyn_series(m, rc, label_name, label_value);
    pthread_mutex_unlock(&m->dyn_mu);
    return rc < 0 ? rc : CG_METRICS_IDS_MAX + rc;
}

int cg_metrics_gauge_dyn_remove(cg_metrics *m, const char *name, const char *label_name,
                                const char *label_value)
{
    if (!m || !name) return CG_EINVAL;
    const char *ln = label_name ? label_name : "", *lv = label_value ? label_value : "";
    int rc = CG_ENOTFOUND;
    pthread_mutex_lock(&m->dyn_mu);
    int n = atomic_load_explicit(&m->n_dyn, memory_order_relaxed);
    for (int i = 0; i < n && rc != 0; i++) {
        struct cg_metric_dyn_series *d = &m->dyn[i];
        if (!d->removed && strcmp(m->dyn_families[d->family].name, name) == 0 &&
            strcmp(d->label_name, ln) == 0 && strcmp(d->label_value, lv) == 0) {
            d->removed = 1;
            rc = 0;
        }
    }
    pthread_mutex_unlock(&m->dyn_mu);
    return rc;
}
