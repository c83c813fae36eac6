/** The threat-intel pages, one chunk loaded on first visit (see lazy.tsx). */
export { Intel } from './Intel.tsx';
export { IntelDocumentPage } from './IntelDocument.tsx';
export { IntelSources } from './IntelSources.tsx';
