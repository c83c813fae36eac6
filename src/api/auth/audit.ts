/**
 * Writes the API's audit rows, folding repeated failures into one row. A flood of refused or
 * rate-limited requests (random bearer tokens, a script past its quota) would otherwise add a
 * row per request without bound; instead the first failure of a kind from an address in a
 * minute is written, and each identical one after it (same address, actor, action, target,
 * status, outcome and detail; only time and user agent may differ) raises that row's
 * `detail.count` and sets `detail.lastAt`. Successful actions are always one row each.
 */
import type { NewAuditEntry } from '../../model/account.ts';
import type { AuthStore } from '../../store/server.ts';

interface OpenRow {
  /** The row's id, once inserted (later failures of the same kind wait for it). */
  id: Promise<number>;
  count: number;
}

/** Audit writer with per-minute aggregation of identical failures (see the module comment). */
export class AuditWriter {
  /** The minute (`YYYY-MM-DDTHH:MM`, UTC) the open rows belong to. */
  #minute = '';
  readonly #open = new Map<string, OpenRow>();

  constructor(private readonly store: Pick<AuthStore, 'audit' | 'updateAuditDetail'>) {}

  /**
   * Records `e`: a new row, or, for a failure seen already this minute, a higher count on its row.
   * @throws the store's error (the caller logs it: an audit failure never fails the request).
   */
  async write(e: NewAuditEntry): Promise<void> {
    if (e.outcome === 'success') {
      await this.store.audit(e);
      return;
    }
    const minute = e.at.slice(0, 16);
    if (minute !== this.#minute) {
      // Rows of past minutes are closed: memory holds one minute's kinds of failure at most.
      this.#open.clear();
      this.#minute = minute;
    }
    const key = JSON.stringify([e.ip, e.actorKind, e.actor, e.tokenId, e.action, e.target, e.statusCode, e.outcome, e.detail]);
    const open = this.#open.get(key);
    if (!open) {
      const row: OpenRow = { id: this.store.audit(e), count: 1 };
      this.#open.set(key, row);
      // A failed insert must not make every later failure of this kind fail too.
      await row.id.catch((err: unknown) => {
        if (this.#open.get(key) === row) this.#open.delete(key);
        throw err;
      });
      return;
    }
    open.count++;
    const id = await open.id;
    // The count at write time, not at increment time: updates that finish late never lower it.
    await this.store.updateAuditDetail(id, { ...e.detail, count: open.count, lastAt: e.at });
  }
}
