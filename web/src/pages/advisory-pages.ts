/** The advisory pages, one chunk loaded on first visit (see lazy.tsx). */
export { Advisories } from './Advisories.tsx';
export { AdvisoryPage } from './AdvisoryPage.tsx';
