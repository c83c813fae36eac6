/**
 * Tabs per the WAI-ARIA Authoring Practices tabs pattern (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/):
 * the selected tab is in the Tab order, Left/Right/Home/End move between tabs.
 */
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';

export interface Tab {
  id: string;
  label: ComponentChildren;
  content: () => ComponentChildren;
}

export function Tabs({ tabs, label, idPrefix }: { tabs: Tab[]; label: string; idPrefix: string }) {
  const [current, setCurrent] = useState(tabs[0]?.id ?? '');
  const list = useRef<HTMLDivElement>(null);
  function move(e: KeyboardEvent, i: number) {
    const n = tabs.length;
    const to = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i - 1 + n) % n : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : -1;
    if (to < 0) return;
    e.preventDefault();
    setCurrent(tabs[to]!.id);
    list.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]')[to]?.focus();
  }
  const active = tabs.find((t) => t.id === current) ?? tabs[0];
  return (
    <div class="tabs">
      <div role="tablist" aria-label={label} ref={list} class="tablist">
        {tabs.map((t, i) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${t.id}`}
            aria-selected={t.id === active?.id}
            aria-controls={`${idPrefix}-panel`}
            tabIndex={t.id === active?.id ? 0 : -1}
            onClick={() => setCurrent(t.id)}
            onKeyDown={(e) => move(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      {active && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the APG tabs pattern makes a panel without focusable content reachable by Tab
        <div role="tabpanel" id={`${idPrefix}-panel`} aria-labelledby={`${idPrefix}-tab-${active.id}`} tabIndex={0} class="tabpanel">
          {active.content()}
        </div>
      )}
    </div>
  );
}
