/** The IOC analysis pages, one chunk loaded on first visit (see lazy.tsx). */

export { Iocs } from './Iocs.tsx';
export { IocsDetail } from './IocsDetail.tsx';
