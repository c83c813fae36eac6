/**
 * The indicator list's filter form: value substring, type, source, last-seen date and warninglist
 * flag, applied on submit. The page keeps the whole {@link IocFilters} value in the URL.
 */
import { useState } from 'preact/hooks';
import { IOC_TYPES } from '../../../src/nlp/types.ts';
import type { IocFilters } from './model.ts';
import { typeLabel } from './model.ts';

export function IocFilterForm({ initial, onApply }: { initial: IocFilters; onApply: (f: IocFilters) => void }) {
  const [f, setF] = useState(initial);
  function set<K extends keyof IocFilters>(k: K, v: IocFilters[K]) {
    setF({ ...f, [k]: v });
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: role="search" on a form is what readers support; <search> is not yet
    <form
      class="filters"
      role="search"
      aria-label="Filter indicators"
      onSubmit={(e) => {
        e.preventDefault();
        onApply(f);
      }}
    >
      <div class="search-row">
        <label for="ioc-search" class="sr-only">
          Search indicators
        </label>
        <input
          id="ioc-search"
          type="search"
          placeholder="Part of a value: a domain, an address, a hash… (press / to focus)"
          value={f.q}
          onInput={(e) => set('q', e.currentTarget.value)}
          data-testid="search-input"
          autoComplete="off"
          spellcheck={false}
        />
        <button class="btn btn-primary" type="submit" data-testid="ioc-search-button">
          Search
        </button>
      </div>
      <div class="filter-row">
        <span class="field">
          <label for="ioc-type">Type</label>
          <select id="ioc-type" value={f.type} onChange={(e) => set('type', e.currentTarget.value)} data-testid="filter-type">
            <option value="">Any</option>
            {IOC_TYPES.map((t) => (
              <option key={t} value={t}>
                {typeLabel(t)}
              </option>
            ))}
          </select>
        </span>
        <span class="field">
          <label for="ioc-source">Source</label>
          <input
            id="ioc-source"
            type="text"
            value={f.source}
            onInput={(e) => set('source', e.currentTarget.value)}
            autoComplete="off"
            spellcheck={false}
            data-testid="filter-source"
          />
        </span>
        <span class="field">
          <label for="ioc-since">Last seen since</label>
          <input id="ioc-since" type="date" value={f.since} onChange={(e) => set('since', e.currentTarget.value)} />
        </span>
        <span class="field">
          <label for="ioc-warning">Warninglists</label>
          <select
            id="ioc-warning"
            value={f.warning}
            onChange={(e) => set('warning', e.currentTarget.value as IocFilters['warning'])}
            data-testid="filter-warning"
          >
            <option value="">All indicators</option>
            <option value="0">Not on a warninglist</option>
            <option value="1">Only warninglisted</option>
          </select>
        </span>
        <button class="btn" type="submit">
          Apply
        </button>
      </div>
    </form>
  );
}
