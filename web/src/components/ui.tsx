/** Small shared pieces: severity badge, messages, loading state, KEV tag. */
import type { ComponentChildren } from 'preact';
import { messageOf } from '../api.ts';
import { fmtScore } from '../format.ts';
import type { Severity } from '../types.ts';

/** Severity as a coloured badge (colour is never the only cue: the word is always written). */
export function SeverityBadge({ severity, score }: { severity: Severity | null | undefined; score?: number | null }) {
  const s = severity ?? 'NONE';
  return (
    <span class={`sev sev-${s.toLowerCase()}`}>
      {severity ?? 'UNSCORED'}
      {score !== undefined && score !== null ? ` ${fmtScore(score)}` : ''}
    </span>
  );
}

/** A KEV marker, with ransomware use when known. */
export function KevTag({ kev, ransomware }: { kev: boolean; ransomware?: boolean }) {
  if (!kev) return null;
  return (
    <span class="tag tag-kev" title={ransomware ? 'In CISA KEV, known ransomware use' : 'In CISA KEV'}>
      KEV{ransomware ? ' · ransomware' : ''}
    </span>
  );
}

/** An error message from the API, announced to screen readers. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="notice notice-error" role="alert">
      {messageOf(error)}
    </p>
  );
}

/** A success or information message. */
export function Notice({ children, kind = 'info' }: { children: ComponentChildren; kind?: 'info' | 'ok' | 'warn' }) {
  return (
    <p class={`notice notice-${kind}`} role="status">
      {children}
    </p>
  );
}

/** Placeholder while loading. */
export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p class="loading" aria-live="polite">
      {what}…
    </p>
  );
}

/** A titled panel (`<section>` with a heading). */
export function Panel({ title, children, id, actions }: { title: string; children: ComponentChildren; id?: string; actions?: ComponentChildren }) {
  return (
    <section class="panel" aria-labelledby={id ? `${id}-h` : undefined}>
      <header class="panel-head">
        <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
        {actions}
      </header>
      {children}
    </section>
  );
}
