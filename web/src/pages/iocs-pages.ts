/** The IOC analysis pages, one chunk loaded on first visit (see lazy.tsx). */
import '../iocs/iocs.css';

export { Iocs } from './Iocs.tsx';
export { IocsDetail } from './IocsDetail.tsx';
