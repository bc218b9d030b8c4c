/*
 * hook.h — the lexical index's hooks into the graph writer and the index pipeline
 * (src/graph/write.c, src/index/pipeline.c call these; implemented in src/search/lex.c).
 *
 * A put or delete of one file runs on one thread from its first hook to cg_search_hook_commit,
 * so the hooks keep what the commit needs (removed ids, new term bags) in thread-local
 * state; nothing here is shared between threads except through the installed cg_search.
 * A thread has CG_SEARCH_HOOK_SLOTS such states: the index pipeline prepares one file's put
 * while the previous one's batch is still being written (graph.h, cg_graph_put_prepare),
 * each in its own slot.
 */
#ifndef CG_SEARCH_HOOK_H
#define CG_SEARCH_HOOK_H

#include <stddef.h>
#include <stdint.h>

#include "codegraph/extract.h"
#include "codegraph/graph.h"
#include "codegraph/store.h"

/** Pending states per thread (see above). */
#define CG_SEARCH_HOOK_SLOTS 4

/** pipeline.c: make slot (0 .. CG_SEARCH_HOOK_SLOTS-1) this thread's pending state for the
 *  hooks that follow, up to and including a commit. Slot 0 is the default. */
void cg_search_hook_slot(int slot);

/** pipeline.c: the source bytes of the file this thread is about to put (their entities'
 *  byte spans are scanned for body terms); NULL, 0 afterwards. Not copied. */
void cg_search_hook_source(const char *src, size_t len);

/** write.c (dropping a file's old version, put or delete): queue deletes of the file's term
 *  bags, postings and stats into b. Reads the latest state. 0 or an error. */
int cg_search_hook_drop(cg_store *s, cg_store_batch *b, uint32_t project, uint64_t uid);

/** write.c (writing a file's new version): queue the term bags, postings and stats of x's
 *  entities (ids = uid << 20 | locals[i]) into b. lang is the graph's language code. */
int cg_search_hook_put(cg_store_batch *b, uint32_t project, uint64_t uid, int lang,
                       const cg_extract *x, const uint32_t *locals);

/** write.c, after the batch was written (rc = its result, or the error that stopped the
 *  put): on success feed the installed cg_search (document counts, vectors); always clear
 *  the thread's pending state. */
void cg_search_hook_commit(int rc);

/** graph.c (deleting a project): queue range deletes of the project's term bags, file
 *  records and postings into b, the batch that removes the project record. Corpus
 *  statistics (document count, document frequencies) are recomputed at the next start. */
void cg_search_hook_drop_project(cg_store_batch *b, uint32_t project);

/** pipeline.c, after a job published a project: let the installed cg_search refresh its IDF
 *  table and, when vectors went stale, schedule a vector rebuild. */
void cg_search_hook_published(cg_graph *g, uint32_t project);

#endif
