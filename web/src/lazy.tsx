/**
 * Pages in their own chunk, fetched on first visit (the advisory pages: they add a Markdown reader
 * and a dozen panels that most sessions never open), keeping the app chunk that every page load
 * pays for small. A failed download shows its error and is tried again on the next visit.
 */
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorBox, Loading } from './components/ui.tsx';

/**
 * A component that renders the one `load` resolves to, once loaded.
 * @example const AdvisoryPage = lazy(() => import('./pages/advisory-pages.ts').then((m) => m.AdvisoryPage));
 */
export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let pending: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [, setReady] = useState(false);
    const [error, setError] = useState<unknown>(null);
    useEffect(() => {
      if (loaded) return;
      let live = true;
      pending ??= load().catch((err: unknown) => {
        pending = null;
        throw err;
      });
      pending.then(
        (c) => {
          loaded = c;
          if (live) setReady(true);
        },
        (err: unknown) => {
          if (live) setError(err);
        },
      );
      return () => {
        live = false;
      };
    }, []);
    if (loaded) {
      const Page = loaded;
      return <Page {...props} />;
    }
    return error ? <ErrorBox error={error} /> : <Loading />;
  };
}
